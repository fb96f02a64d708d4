"""Apple Music lookups in a storefront: an album by UPC (with its songs), a song by ISRC;
nothing before the release instant."""

from __future__ import annotations

import datetime as dt

import pytest

from emulator.testing import AdminClient
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.errors import BadRequest

from .helpers import FUTURE_UPC, RELEASED_UPC, ids, seed_catalog


def test_it_looks_up_an_album_by_upc(apple: AppleMusic, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "apple")
    found = apple.lookup_release(RELEASED_UPC, "GB")
    assert found is not None
    assert (found.platform, found.album_id, found.title) == (
        "applemusic",
        release["album"],
        "Released LP",
    )
    assert found.track_ids == tuple(release["tracks"])
    assert found.url == f"https://music.apple.com/gb/album/{release['album']}"
    assert apple.lookup_release(FUTURE_UPC, "GB") is None


def test_it_looks_up_a_song_by_isrc(apple: AppleMusic, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "apple")
    track = apple.lookup_track("USLP12000001", "US")
    assert track is not None
    assert (track.track_id, track.title) == (release["tracks"][0], "First Song")
    assert apple.lookup_track("USLP19900001", "US") is None


def test_it_finds_a_release_from_its_global_instant(apple: AppleMusic, admin: AdminClient) -> None:
    # A global release instant an hour from now (our developer token lives on real time).
    instant = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    seed_catalog(
        admin,
        [
            {
                "key": "global",
                "name": "Global LP",
                "upc": "00602445790067",
                "artists": ["band"],
                "release_at": instant.isoformat().replace("+00:00", "Z"),
                "tracks": [{"name": "Global Song", "isrc": "USLP12600001"}],
            }
        ],
    )
    assert apple.lookup_release("00602445790067", "JP") is None
    admin.clock(advance=3601)
    assert apple.lookup_release("00602445790067", "JP") is not None
    assert apple.lookup_track("USLP12600001", "NZ") is not None


def test_it_refuses_an_unknown_storefront(apple: AppleMusic, admin: AdminClient) -> None:
    with pytest.raises(BadRequest):
        apple.lookup_release(RELEASED_UPC, "ZZ")
