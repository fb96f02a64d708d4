"""The registry builds each platform's adapter with base URLs from settings, and refuses an
unknown platform."""

from __future__ import annotations

import os

import pytest
from pytest_django.fixtures import Settings

from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import AppCredentials
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.http import shared_client
from fanloop.platforms.registry import UnknownPlatform, get_platform, platform_choices
from fanloop.platforms.spotify import Spotify
from fanloop.platforms.tidal import Tidal


def test_it_refuses_an_unknown_platform() -> None:
    with pytest.raises(UnknownPlatform, match="napster") as caught:
        get_platform("napster", AppCredentials("x"))
    assert caught.value.key == "napster"
    assert isinstance(caught.value, LookupError)


def test_it_builds_adapters_from_settings(settings: Settings) -> None:
    settings.SPOTIFY_ACCOUNTS_URL = "http://emu.test/spotify/accounts/"
    settings.SPOTIFY_API_URL = "http://emu.test/spotify/v1"
    settings.APPLE_MUSIC_API_URL = "http://emu.test/apple/v1"
    settings.DEEZER_CONNECT_URL = "http://emu.test/deezer/oauth"
    settings.DEEZER_API_URL = "http://emu.test/deezer/api"
    spotify = get_platform("spotify", AppCredentials("x"))
    assert isinstance(spotify, Spotify)
    assert (spotify.accounts_url, spotify.api_url) == (
        "http://emu.test/spotify/accounts",
        "http://emu.test/spotify/v1",
    )
    assert spotify.http is shared_client()  # one pool per process
    apple = get_platform("applemusic", AppCredentials("x"))
    assert isinstance(apple, AppleMusic) and apple.api_url == "http://emu.test/apple/v1"
    deezer = get_platform("deezer", AppCredentials("x"))
    assert isinstance(deezer, Deezer)
    assert (deezer.connect_url, deezer.api_url) == (
        "http://emu.test/deezer/oauth",
        "http://emu.test/deezer/api",
    )


@pytest.mark.skipif(
    bool(os.environ.get("PLATFORM_EMULATOR_URL")),
    reason="this environment points the platforms at the emulator",
)
def test_it_points_at_the_real_platforms_by_default() -> None:
    spotify = get_platform("spotify", AppCredentials("x"))
    assert isinstance(spotify, Spotify)
    assert spotify.accounts_url == "https://accounts.spotify.com"
    assert spotify.api_url == "https://api.spotify.com/v1"
    tidal = get_platform("tidal", AppCredentials("x"))
    assert isinstance(tidal, Tidal)
    assert (tidal.login_url, tidal.auth_url, tidal.api_url) == (
        "https://login.tidal.com",
        "https://auth.tidal.com/v1/oauth2",
        "https://openapi.tidal.com/v2",
    )


def test_it_lists_the_platforms() -> None:
    assert platform_choices() == [
        ("spotify", "Spotify"),
        ("applemusic", "Apple Music"),
        ("deezer", "Deezer"),
        ("tidal", "TIDAL"),
    ]
