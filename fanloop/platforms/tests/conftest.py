"""Platform adapter fixtures: one real emulator per session, its state reset before each test,
settings pointed at it, and adapters built through the registry like the app builds them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient, http_client, run_emulator
from fanloop.platforms import applemusic, spotify
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import AppCredentials, AppMode
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.http import make_client
from fanloop.platforms.registry import get_platform
from fanloop.platforms.spotify import Spotify

from .helpers import (
    APPLE_KEY_ID,
    APPLE_TEAM_ID,
    DEEZER_APP_ID,
    DEEZER_SECRET,
    REDIRECT,
    SPOTIFY_CLIENT,
    SPOTIFY_SECRET,
)


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    with run_emulator(seed=11) as base:
        yield base


@pytest.fixture
def admin(emulator_url: str) -> Iterator[AdminClient]:
    client = AdminClient(emulator_url)
    client.reset()
    # Tokens cached by earlier tests belong to a forgotten emulator state.
    spotify._app_tokens.clear()
    applemusic._developer_tokens.clear()
    yield client
    client.close()


@pytest.fixture
def platform_settings(settings: SettingsWrapper, emulator_url: str) -> SettingsWrapper:
    settings.SPOTIFY_ACCOUNTS_URL = f"{emulator_url}/spotify/accounts"
    settings.SPOTIFY_API_URL = f"{emulator_url}/spotify/v1"
    settings.APPLE_MUSIC_API_URL = f"{emulator_url}/apple/v1"
    settings.DEEZER_CONNECT_URL = f"{emulator_url}/deezer/oauth"
    settings.DEEZER_API_URL = f"{emulator_url}/deezer/api"
    return settings


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The adapters' pooled client for one test (the process-wide one outlives tests)."""
    with make_client() as client:
        yield client


@pytest.fixture
def fan_browser(emulator_url: str) -> Iterator[httpx.Client]:
    """A fan's browser: keeps the emulator's login cookies, follows no redirects by itself."""
    with http_client(timeout=10) as browser:
        yield browser


def _spotify(admin: AdminClient, http: httpx.Client, mode: AppMode, **app: Any) -> Spotify:
    fields: dict[str, Any] = {
        "platform": "spotify",
        "client_id": SPOTIFY_CLIENT,
        "client_secret": SPOTIFY_SECRET,
        "redirect_uris": [REDIRECT],
        "mode": mode.value,
        "name": "fanloop",
        **app,
    }
    if mode == AppMode.DEVELOPMENT:
        # Development mode serves only allow-listed accounts: the helpers' default fan.
        fields.setdefault("users", ["fan1@example.org"])
    admin.app(**fields)
    credentials = AppCredentials(SPOTIFY_CLIENT, SPOTIFY_SECRET, REDIRECT, mode)
    adapter = get_platform("spotify", credentials, http)
    assert isinstance(adapter, Spotify)
    return adapter


@pytest.fixture
def spotify_dev(
    admin: AdminClient, platform_settings: SettingsWrapper, http: httpx.Client
) -> Spotify:
    return _spotify(admin, http, AppMode.DEVELOPMENT)


@pytest.fixture
def spotify_ext(
    admin: AdminClient, platform_settings: SettingsWrapper, http: httpx.Client
) -> Spotify:
    return _spotify(admin, http, AppMode.EXTENDED)


@pytest.fixture
def deezer(admin: AdminClient, platform_settings: SettingsWrapper, http: httpx.Client) -> Deezer:
    admin.app(
        platform="deezer",
        client_id=DEEZER_APP_ID,
        client_secret=DEEZER_SECRET,
        redirect_uris=[REDIRECT],
        name="fanloop",
    )
    adapter = get_platform("deezer", AppCredentials(DEEZER_APP_ID, DEEZER_SECRET, REDIRECT), http)
    assert isinstance(adapter, Deezer)
    return adapter


@pytest.fixture
def apple_app(admin: AdminClient) -> dict[str, Any]:
    """An Apple app whose P-256 key the emulator generated; its private half comes back."""
    return dict(
        admin.app(
            platform="apple",
            client_id="apple-app",
            team_id=APPLE_TEAM_ID,
            key_id=APPLE_KEY_ID,
            name="fanloop",
        )
    )


@pytest.fixture
def apple(
    apple_app: dict[str, Any], platform_settings: SettingsWrapper, http: httpx.Client
) -> AppleMusic:
    credentials = AppCredentials(
        "apple-app",
        team_id=APPLE_TEAM_ID,
        key_id=APPLE_KEY_ID,
        private_key=apple_app["private_key"],
    )
    adapter = get_platform("applemusic", credentials, http)
    assert isinstance(adapter, AppleMusic)
    return adapter


# --- platform apps (dashboard) ----------------------------------------------------------


@pytest.fixture
def emulated_apps(admin: AdminClient, platform_settings: SettingsWrapper) -> dict[str, Any]:
    """The emulator knows one app per platform; the Apple key it generated comes back."""
    from .app_factories import (
        APPLE_KEY,
        APPLE_TEAM,
        DEEZER_ID,
        DEEZER_SECRET,
        SPOTIFY_ID,
        SPOTIFY_SECRET,
    )

    admin.app(
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[REDIRECT],
        mode="development",
        name="fanloop",
        users=["fan1@example.org"],
    )
    admin.app(
        platform="deezer",
        client_id=DEEZER_ID,
        client_secret=DEEZER_SECRET,
        redirect_uris=[REDIRECT],
        name="fanloop",
    )
    apple = admin.app(
        platform="apple", client_id="apple-app", team_id=APPLE_TEAM, key_id=APPLE_KEY, name="x"
    )
    return {"apple_private_key": apple["private_key"]}
