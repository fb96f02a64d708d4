"""Apple Music library: adds answer 202 (artists skipped, unreleased ids silently ignored),
reads match catalog ids, a revoked Music-User-Token → AccessRevoked."""

from __future__ import annotations

import pytest

from emulator.testing import AdminClient
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import ItemRef
from fanloop.platforms.errors import AccessRevoked

from .helpers import apple_tokens, ids, many_tracks, route_count, seed_catalog


def test_it_adds_albums_and_songs_to_the_library(apple: AppleMusic, admin: AdminClient) -> None:
    seeded = seed_catalog(admin)
    release, future = ids(seeded, "released", "apple"), ids(seeded, "future", "apple")
    tokens = apple_tokens(admin)
    album, artist = ItemRef("album", release["album"]), ItemRef("artist", release["artist"])
    track = ItemRef("track", release["tracks"][0])
    apple.save(tokens, [album, artist, track, ItemRef("album", future["album"])])
    assert admin.stats()["requests"]["POST /apple/v1/me/library"] == {"202": 1}
    saved = admin.library("apple", "ap1")["saved"]
    assert [(e["type"], e["id"]) for e in saved] == [("album", album.id), ("song", track.id)]
    other = ItemRef("track", release["tracks"][1])
    assert apple.contains(tokens, [album, other, track, artist]) == [True, False, True, False]


def test_it_skips_the_call_when_only_artists_are_given(
    apple: AppleMusic, admin: AdminClient
) -> None:
    release = ids(seed_catalog(admin), "released", "apple")
    apple.save(apple_tokens(admin), [ItemRef("artist", release["artist"])])
    assert route_count(admin, "POST /apple/v1/me/library") == 0


def test_it_reads_a_library_of_several_pages(apple: AppleMusic, admin: AdminClient) -> None:
    seeded = seed_catalog(admin, [many_tracks("long", "00602445799999", 120)])
    tracks = [ItemRef("track", t) for t in ids(seeded, "long", "apple")["tracks"]]
    tokens = apple_tokens(admin)
    apple.save(tokens, tracks)
    assert admin.stats()["requests"]["POST /apple/v1/me/library"] == {"202": 3}
    admin.http.post("/stats/reset")
    assert apple.contains(tokens, tracks) == [True] * 120
    assert route_count(admin, "GET /apple/v1/me/library/songs") == 2


def test_it_reports_a_revoked_user_token(apple: AppleMusic, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "apple")
    tokens = apple_tokens(admin)
    admin.revoke(platform="apple", user_id="ap1")
    with pytest.raises(AccessRevoked) as caught:
        apple.save(tokens, [ItemRef("album", release["album"])])
    assert caught.value.status == 403
    with pytest.raises(AccessRevoked):
        apple.contains(tokens, [ItemRef("album", release["album"])])
