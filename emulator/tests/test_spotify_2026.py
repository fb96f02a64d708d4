"""Spotify since February 2026: development-mode objects without the removed fields, album
tracks paged at 50 with ``next``, and ``timestamped_ids`` on PUT /me/tracks."""

from __future__ import annotations

from typing import Any

import spotipy

from emulator.testing import AdminClient

from .conftest import bearer, seed_catalog, spotify_app, spotify_token

REMOVED = {
    "artist": ("followers", "popularity"),
    "album": ("popularity", "available_markets"),
    "track": ("popularity", "available_markets"),
}


def _objects(http: Any, ids: dict[str, Any], token: str) -> dict[str, Any]:
    album, artist = ids["released"]["spotify"], ids["artist"]["spotify"]
    track = ids["released_tracks"][0]["spotify"]
    headers = bearer(token)
    return {
        "artist": http.get(f"/spotify/v1/artists/{artist}", headers=headers).json(),
        "album": http.get(f"/spotify/v1/albums/{album}", headers=headers).json(),
        "track": http.get(f"/spotify/v1/tracks/{track}", headers=headers).json(),
    }


def test_development_mode_objects_lack_the_removed_fields(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin, mode="development", users=["fan1@users.emulator.test"])
    spotify_app(admin, client_id="ext", mode="extended")
    dev = _objects(http, ids, spotify_token(admin)["access_token"])
    ext = _objects(http, ids, spotify_token(admin, user_id="fan2", client_id="ext")["access_token"])
    for kind, fields in REMOVED.items():
        for name in fields:
            assert name not in dev[kind], (kind, name)
            assert name in ext[kind], (kind, name)
    assert "available_markets" not in dev["album"]["tracks"]["items"][0]
    assert "available_markets" not in dev["track"]["album"]
    assert ext["artist"]["followers"]["total"] == 1000
    assert dev["album"]["external_ids"] == ext["album"]["external_ids"]  # kept (March 2026)


def _long_album(admin: AdminClient, n: int = 120) -> str:
    tracks = [{"name": f"Song {i}", "isrc": f"USLP1200{i:04d}"} for i in range(n)]
    out = admin.catalog(
        artists=[{"key": "band", "name": "The Emulators"}],
        albums=[
            {
                "key": "long", "name": "Long Box", "upc": "00602445790999",
                "artists": ["band"], "release_date": "2020-01-10", "tracks": tracks,
            }
        ],
    )  # fmt: skip
    return str(out["albums"][0]["ids"]["spotify"])


def test_album_tracks_page_at_50_with_a_working_next(admin, http):
    album = _long_album(admin)
    spotify_app(admin)
    headers = bearer(spotify_token(admin)["access_token"])
    embedded = http.get(f"/spotify/v1/albums/{album}", headers=headers).json()["tracks"]
    assert (len(embedded["items"]), embedded["total"], embedded["limit"]) == (50, 120, 50)
    url = f"/spotify/v1/albums/{album}/tracks?limit=50"
    names = []
    while url:
        page = http.get(url, headers=headers).json()
        names += [t["name"] for t in page["items"]]
        url = page["next"]
    assert names == [f"Song {i}" for i in range(120)]
    assert http.get(f"/spotify/v1/albums/{album}/tracks", headers=headers).json()["limit"] == 20
    r = http.get(f"/spotify/v1/albums/{album}/tracks?limit=51", headers=headers)
    assert r.status_code == 400
    r = http.get("/spotify/v1/albums/" + "Z" * 22 + "/tracks", headers=headers)
    assert r.status_code == 404


def test_spotipy_follows_album_tracks_next(admin, http, emulator_url):
    album = _long_album(admin, n=60)
    spotify_app(admin)
    sp = spotipy.Spotify(auth=spotify_token(admin)["access_token"])
    sp.prefix = f"{emulator_url}/spotify/v1/"
    page = sp.album_tracks(album, limit=50)
    second = sp.next(page)
    assert len(page["items"]) == 50 and len(second["items"]) == 10 and second["next"] is None


def test_put_me_tracks_accepts_timestamped_ids(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin)
    headers = bearer(spotify_token(admin)["access_token"])
    first, second = (t["spotify"] for t in ids["released_tracks"])
    r = http.put(
        "/spotify/v1/me/tracks",
        params={"ids": second},  # ignored: timestamped_ids wins
        json={
            "ids": [second],
            "timestamped_ids": [{"id": first, "added_at": "2023-01-15T14:30:00Z"}],
        },
        headers=headers,
    )
    assert r.status_code == 200
    saved = admin.library("spotify", "fan1")["saved"]
    assert [(e["id"], e["added_at"][:19]) for e in saved] == [(first, "2023-01-15T14:30:00")]
    for bad in (
        {"timestamped_ids": [{"id": first}]},
        {"timestamped_ids": [{"id": first, "added_at": "yesterday"}]},
        {"timestamped_ids": [{"id": "bad", "added_at": "2023-01-15T14:30:00Z"}]},
        {"timestamped_ids": [{"id": first, "added_at": "2023-01-15T14:30:00Z"}] * 51},
    ):
        assert http.put("/spotify/v1/me/tracks", json=bad, headers=headers).status_code == 400
