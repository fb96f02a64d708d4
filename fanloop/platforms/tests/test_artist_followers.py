"""An artist's follower count, where the platform tells the app: Deezer's public ``nb_fan``
(no token), Spotify's ``followers.total`` for an extended-quota app only."""

from __future__ import annotations

import pytest

from emulator.testing import AdminClient
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.errors import PlatformError
from fanloop.platforms.spotify import Spotify


def seed(admin: AdminClient, followers: int) -> dict[str, str]:
    answer = admin.catalog(
        artists=[{"key": "band", "name": "The Emulators", "followers": followers}], albums=[]
    )
    ids: dict[str, str] = answer["artists"][0]["ids"]
    return ids


def test_deezer_reads_nb_fan(admin: AdminClient, deezer: Deezer) -> None:
    ids = seed(admin, 4321)
    assert deezer.artist_followers(ids["deezer"]) == 4321
    with pytest.raises(PlatformError):
        deezer.artist_followers("999999999")


def test_spotify_extended_reads_followers_total(admin: AdminClient, spotify_ext: Spotify) -> None:
    ids = seed(admin, 4321)
    assert spotify_ext.artist_followers(ids["spotify"]) == 4321


def test_spotify_development_mode_has_no_count(admin: AdminClient, spotify_dev: Spotify) -> None:
    ids = seed(admin, 4321)
    assert spotify_dev.artist_followers(ids["spotify"]) is None
