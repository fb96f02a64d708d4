"""Deezer saves (one POST per album, track and artist) and reads them back page by page."""

from __future__ import annotations

import pytest

from emulator.testing import AdminClient
from fanloop.platforms.base import ItemRef
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.errors import NotFound, PermissionDenied

from .helpers import (
    DEEZER_APP_ID,
    DEEZER_SECRET,
    REDIRECT,
    deezer_tokens,
    ids,
    many_tracks,
    seed_catalog,
)


def test_it_saves_and_follows(deezer: Deezer, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "deezer")
    tokens = deezer_tokens(admin)
    album, artist = ItemRef("album", release["album"]), ItemRef("artist", release["artist"])
    track, other = (ItemRef("track", t) for t in release["tracks"])
    deezer.save(tokens, [album, artist, track])
    library = admin.library("deezer", "9001")
    assert {e["id"] for e in library["saved"]} == {release["album"], release["tracks"][0]}
    assert [e["id"] for e in library["follows"]] == [release["artist"]]
    assert deezer.contains(tokens, [other, album, artist, track]) == [False, True, True, True]


def test_it_reads_a_library_of_several_pages(deezer: Deezer, admin: AdminClient) -> None:
    seeded = seed_catalog(admin, [many_tracks("long", "00602445799999", 130)])
    tracks = [ItemRef("track", t) for t in ids(seeded, "long", "deezer")["tracks"]]
    admin.app(  # 130 writes: above Deezer's 50 calls per 5 s
        platform="deezer",
        client_id=DEEZER_APP_ID,
        client_secret=DEEZER_SECRET,
        redirect_uris=[REDIRECT],
        rate_limit={"limit": 1000, "window_s": 5},
    )
    tokens = deezer_tokens(admin)
    deezer.save(tokens, tracks)
    admin.http.post("/stats/reset")
    assert deezer.contains(tokens, tracks) == [True] * 130
    assert admin.stats()["requests"]["GET /deezer/api/user/me/tracks"] == {"200": 2}


def test_it_needs_the_manage_library_perm(deezer: Deezer, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "deezer")
    tokens = deezer_tokens(admin, perms="basic_access,offline_access")
    with pytest.raises(PermissionDenied, match="code 200"):
        deezer.save(tokens, [ItemRef("album", release["album"])])


def test_it_cannot_save_an_unreleased_album(deezer: Deezer, admin: AdminClient) -> None:
    future = ids(seed_catalog(admin), "future", "deezer")
    with pytest.raises(NotFound, match="code 800"):
        deezer.save(deezer_tokens(admin), [ItemRef("album", future["album"])])
