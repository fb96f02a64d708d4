"""Deezer lookups: an album by UPC (also when Deezer stored it without leading zeros) and a
track by ISRC; unreleased and unknown ones are None."""

from __future__ import annotations

from emulator.testing import AdminClient
from fanloop.platforms.deezer import Deezer

from .helpers import FUTURE_UPC, RELEASED_UPC, STRIPPED_UPC, ids, route_count, seed_catalog

ALBUM = "GET /deezer/api/album/{id}"


def test_it_looks_up_an_album_by_upc(deezer: Deezer, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "deezer")
    found = deezer.lookup_release(RELEASED_UPC, "FR")
    assert found is not None
    assert (found.platform, found.album_id, found.title) == (
        "deezer",
        release["album"],
        "Released LP",
    )
    assert found.track_ids == tuple(release["tracks"])
    assert found.artist_ids == (release["artist"],)
    assert found.url.endswith(f"/album/{release['album']}")


def test_it_retries_the_upc_without_leading_zeros(deezer: Deezer, admin: AdminClient) -> None:
    stripped = ids(seed_catalog(admin), "stripped", "deezer")
    admin.http.post("/stats/reset")
    found = deezer.lookup_release(STRIPPED_UPC, "FR")
    assert found is not None and found.album_id == stripped["album"]
    assert route_count(admin, ALBUM) == 2  # the full UPC first, then without its zeros


def test_it_finds_nothing_before_release(deezer: Deezer, admin: AdminClient) -> None:
    seed_catalog(admin)
    assert deezer.lookup_release(FUTURE_UPC, "FR") is None
    assert deezer.lookup_release("0000000000001", "FR") is None
    assert deezer.lookup_track("USLP19900001", "FR") is None


def test_it_looks_up_a_track_by_isrc(deezer: Deezer, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "deezer")
    track = deezer.lookup_track("USLP12000002", "FR")
    assert track is not None
    assert (track.track_id, track.album_id, track.title) == (
        release["tracks"][1],
        release["album"],
        "Second Song",
    )
