"""Spotify saves and reads: development-mode apps through /me/library (album and artist in one
call, ≤ 40 URIs per call), extended-mode apps through the legacy per-type endpoints (≤ 50)."""

from __future__ import annotations

from emulator.testing import AdminClient
from fanloop.platforms.base import ItemRef
from fanloop.platforms.spotify import Spotify

from .helpers import ids, many_tracks, route_count, seed_catalog, spotify_tokens

LIBRARY = "PUT /spotify/v1/me/library"
LIBRARY_CONTAINS = "GET /spotify/v1/me/library/contains"


def test_it_saves_album_and_artist_in_one_library_call(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    release = ids(seed_catalog(admin), "released", "spotify")
    tokens = spotify_tokens(admin, scopes="user-library-modify user-follow-modify")
    admin.http.post("/stats/reset")
    items = [ItemRef("album", release["album"]), ItemRef("artist", release["artist"])]
    spotify_dev.save(tokens, items)
    assert route_count(admin, LIBRARY) == 1
    assert admin.stats()["requests"][LIBRARY] == {"200": 1}
    library = admin.library("spotify", "fan1")
    assert [e["id"] for e in library["saved"]] == [release["album"]]
    assert [e["id"] for e in library["follows"]] == [release["artist"]]


def test_it_reads_back_saves_and_follows_in_development_mode(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    release = ids(seed_catalog(admin), "released", "spotify")
    tokens = spotify_tokens(admin)
    album, artist = ItemRef("album", release["album"]), ItemRef("artist", release["artist"])
    track = ItemRef("track", release["tracks"][0])
    spotify_dev.save(tokens, [album, artist])
    admin.http.post("/stats/reset")
    assert spotify_dev.contains(tokens, [album, track, artist]) == [True, False, True]
    assert route_count(admin, LIBRARY_CONTAINS) == 1


def test_it_chunks_more_than_40_uris(spotify_dev: Spotify, admin: AdminClient) -> None:
    seeded = seed_catalog(admin, [many_tracks("long", "00602445799999", 45)])
    tracks = [ItemRef("track", t) for t in ids(seeded, "long", "spotify")["tracks"]]
    tokens = spotify_tokens(admin)
    admin.http.post("/stats/reset")
    spotify_dev.save(tokens, tracks)
    assert admin.stats()["requests"][LIBRARY] == {"200": 2}
    assert spotify_dev.contains(tokens, tracks) == [True] * 45
    assert route_count(admin, LIBRARY_CONTAINS) == 2
    assert len(admin.library("spotify", "fan1")["saved"]) == 45


def test_it_uses_the_legacy_endpoints_in_extended_mode(
    spotify_ext: Spotify, admin: AdminClient
) -> None:
    release = ids(seed_catalog(admin), "released", "spotify")
    tokens = spotify_tokens(admin)
    album, artist = ItemRef("album", release["album"]), ItemRef("artist", release["artist"])
    track = ItemRef("track", release["tracks"][1])
    admin.http.post("/stats/reset")
    spotify_ext.save(tokens, [album, artist, track])
    requests = admin.stats()["requests"]
    assert requests["PUT /spotify/v1/me/albums"] == {"200": 1}
    assert requests["PUT /spotify/v1/me/tracks"] == {"200": 1}
    assert requests["PUT /spotify/v1/me/following"] == {"204": 1}
    assert LIBRARY not in requests
    other = ItemRef("track", release["tracks"][0])
    assert spotify_ext.contains(tokens, [other, album, artist, track]) == [False, True, True, True]
    requests = admin.stats()["requests"]
    assert LIBRARY_CONTAINS not in requests
    assert requests["GET /spotify/v1/me/following/contains"] == {"200": 1}


def test_it_chunks_more_than_50_legacy_ids(spotify_ext: Spotify, admin: AdminClient) -> None:
    seeded = seed_catalog(admin, [many_tracks("long", "00602445799999", 55)])
    tracks = [ItemRef("track", t) for t in ids(seeded, "long", "spotify")["tracks"]]
    tokens = spotify_tokens(admin)
    admin.http.post("/stats/reset")
    spotify_ext.save(tokens, tracks)
    assert admin.stats()["requests"]["PUT /spotify/v1/me/tracks"] == {"200": 2}
    assert spotify_ext.contains(tokens, tracks) == [True] * 55
    assert admin.stats()["requests"]["GET /spotify/v1/me/tracks/contains"] == {"200": 2}
