"""An artist's recent albums on each platform (the daily forever-save check): released ones
since a day, with their UPC; older and unreleased ones are left out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.spotify import Spotify

TODAY = dt.date.today()


def seed(admin: AdminClient) -> Any:
    def album(key: str, upc: str, day: dt.date) -> dict[str, Any]:
        return {
            "key": key,
            "name": key.title(),
            "upc": upc,
            "artists": ["band"],
            "release_date": day.isoformat(),
            "tracks": [{"name": f"{key} song", "isrc": f"USLP1{upc[-7:]}"}],
        }

    return admin.catalog(
        [{"key": "band", "name": "The Band"}],
        [
            album("fresh", "00602445790111", TODAY - dt.timedelta(days=2)),
            album("old", "00602445790222", TODAY - dt.timedelta(days=400)),
            album("coming", "00602445790333", TODAY + dt.timedelta(days=30)),
        ],
    )


def artist_id(answer: Any, platform: str) -> str:
    return str(answer["artists"][0]["ids"][platform])


def album_id(answer: Any, key: str, platform: str) -> str:
    return next(str(a["ids"][platform]) for a in answer["albums"] if a["key"] == key)


@pytest.mark.parametrize("adapter_name", ["spotify_dev", "deezer", "apple"])
def test_recent_released_albums_come_back_with_their_upc(
    adapter_name: str, admin: AdminClient, request: pytest.FixtureRequest
) -> None:
    adapter: Spotify | Deezer | AppleMusic = request.getfixturevalue(adapter_name)
    answer = seed(admin)
    found = adapter.artist_albums(
        artist_id(answer, adapter.key if adapter.key != "applemusic" else "apple"),
        "US",
        TODAY - dt.timedelta(days=14),
    )
    platform = adapter.key if adapter.key != "applemusic" else "apple"
    assert [a.album_id for a in found] == [album_id(answer, "fresh", platform)]
    assert found[0].upc.lstrip("0") == "602445790111"
    assert found[0].release_date == TODAY - dt.timedelta(days=2)
    assert found[0].title == "Fresh"
