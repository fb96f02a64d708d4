"""Users act on their own through the admin API (save, remove, follow, unfollow at a given
emulated time) and the platform APIs read it back, as fanloop's verification does."""

from __future__ import annotations

import httpx

from emulator.testing import AdminClient

from .conftest import bearer, seed_catalog, spotify_app, spotify_token


def _spotify_contains(http: httpx.Client, token: str, uris: list[str]) -> list[bool]:
    r = http.get(
        "/spotify/v1/me/library/contains", params={"uris": ",".join(uris)}, headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def test_a_spotify_users_own_saves_removals_and_follows_read_back(admin: AdminClient, http):
    ids = seed_catalog(admin)
    spotify_app(admin)
    token = spotify_token(admin)["access_token"]
    album = f"spotify:album:{ids['released']['spotify']}"
    track = f"spotify:track:{ids['released_tracks'][1]['spotify']}"
    artist = f"spotify:artist:{ids['artist']['spotify']}"
    assert _spotify_contains(http, token, [album, track, artist]) == [False, False, False]

    out = admin.acts(
        [
            {"platform": "spotify", "user_id": "fan1", "act": "save", "type": "album",
             "key": "released", "at": "2026-03-01T10:00:00Z"},
            {"platform": "spotify", "user_id": "fan1", "act": "save", "type": "track",
             "id": ids["released_tracks"][1]["spotify"]},
            {"platform": "spotify", "user_id": "fan1", "act": "follow", "type": "artist",
             "key": "band"},
        ]
    )  # fmt: skip
    assert [a["changed"] for a in out] == [True, True, True]
    assert out[0]["key"] == album and out[0]["at"].startswith("2026-03-01T10:00:00")
    assert _spotify_contains(http, token, [album, track, artist]) == [True, True, True]
    added = {e["key"]: e["added_at"] for e in admin.library("spotify", "fan1")["saved"]}
    assert added[album].startswith("2026-03-01T10:00:00")

    admin.act(platform="spotify", user_id="fan1", act="remove", type="album", key="released")
    admin.act(platform="spotify", user_id="fan1", act="unfollow", type="artist", key="band")
    assert _spotify_contains(http, token, [album, track, artist]) == [False, True, False]

    stats = admin.stats()
    assert stats["save_ops_total"] == 0  # the user's own acts are not an app's saves
    assert stats["fan_acts"] == {"save": 2, "follow": 1, "remove": 1, "unfollow": 1}


def test_deezer_and_apple_users_acts_show_in_their_library_reads(admin: AdminClient, http):
    ids = seed_catalog(admin)
    admin.app(platform="deezer", client_id="1", client_secret="s")
    admin.app(platform="apple", client_id="apple-app", team_id="T", key_id="K")
    admin.user(platform="deezer", id="42")
    admin.user(platform="apple", id="a1")
    deezer = admin.token(
        platform="deezer", user_id="42", client_id="1", perms=["basic_access", "offline_access"]
    )["access_token"]
    mut = admin.token(platform="apple", user_id="a1", client_id="apple-app")["music_user_token"]
    dev = admin.apple_developer_token("apple-app")
    admin.acts(
        [
            {"platform": "deezer", "user_id": "42", "act": "save", "type": "track",
             "key": "released:USLP12000001"},
            {"platform": "deezer", "user_id": "42", "act": "follow", "type": "artist",
             "key": "band"},
            {"platform": "apple", "user_id": "a1", "act": "save", "type": "album",
             "key": "released"},
        ]
    )  # fmt: skip
    tracks = http.get("/deezer/api/user/me/tracks", params={"access_token": deezer}).json()
    assert [t["id"] for t in tracks["data"]] == [int(ids["released_tracks"][0]["deezer"])]
    artists = http.get("/deezer/api/user/me/artists", params={"access_token": deezer}).json()
    assert artists["total"] == 1
    albums = http.get(
        "/apple/v1/me/library/albums",
        headers={"Authorization": f"Bearer {dev}", "Music-User-Token": mut},
    ).json()
    assert [a["attributes"]["playParams"]["catalogId"] for a in albums["data"]] == [
        ids["released"]["apple"]
    ]


def test_bad_acts_are_refused_and_none_of_a_batch_is_applied(admin: AdminClient, http):
    seed_catalog(admin)
    admin.user(platform="spotify", id="fan1")
    admin.user(platform="apple", id="a1")
    good = {"platform": "spotify", "user_id": "fan1", "act": "save", "type": "album",
            "key": "released"}  # fmt: skip
    cases = [
        ({**good, "user_id": "ghost"}, "unknown user"),
        ({**good, "act": "like"}, "act must be one of"),
        ({**good, "type": "artist"}, "save takes type album or track"),
        ({**good, "key": "nothing"}, "unknown album"),
        ({**good, "key": "future"}, "not released in US"),
        ({**good, "key": None}, "catalog key or its platform id"),
        ({**good, "at": "yesterday"}, "at:"),
        ({**good, "platform": "apple", "user_id": "a1", "act": "follow", "type": "artist",
          "key": "band"}, "apple music has no artist follows"),
    ]  # fmt: skip
    for body, message in cases:
        r = http.post("/_emulator/acts", json={"acts": [good, body]})
        assert r.status_code == 400 and message in r.json()["error"], (body, r.text)
    assert admin.library("spotify", "fan1")["saved"] == []
    # Before its release date the album cannot be saved, after it it can.
    early = {**good, "key": "future", "at": "2098-12-31T00:00:00Z"}
    assert http.post("/_emulator/acts", json=early).status_code == 400
    assert http.post("/_emulator/acts", json={**early, "at": "2099-01-02T00:00:00Z"}).is_success
