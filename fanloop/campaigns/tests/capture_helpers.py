"""Helpers for the notify-me, Apple Music, in-app and browser tests: an Apple app, or a
Spotify app and one Spotify user, known to both the emulator and fanloop, and the connect
page's state and CSRF token read like a browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

APPLE_TEAM = "TEAM123456"
APPLE_KEY = "KEY1234567"
INSTAGRAM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 325.0.0.35.91 (iPhone14,5; iOS 17_4; en_US)"
)
SAFARI_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def live_spotify(
    admin: AdminClient,
    platform_settings: Any,
    live_server: Any,
    workspace: Workspace,
    *,
    user_id: str,
    email: str,
) -> PlatformApp:
    """A development-mode Spotify app whose callback is the live server's (SITE_URL points
    there), one Spotify user who can sign in to it, and the app registered in fanloop."""
    from fanloop.platforms.tests.app_factories import SPOTIFY_ID, SPOTIFY_SECRET

    platform_settings.SITE_URL = live_server.url
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[f"{live_server.url}/connect/spotify/callback"],
        mode="development",
        users=[email],  # the artist put this fan on the app's allow-list
    )
    admin.user(platform="spotify", id=user_id, email=email, country="GB")
    return services.create_app(
        workspace,
        "spotify",
        name="Main",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        allowed_emails=[email],  # mirrored in fanloop: the page offers the tester connect
    )


# The connect button a development-mode app's allow-listed fans use on the release page.
TESTER_BUTTON = "On the tester list? Connect with Spotify"


def apple_app(admin: AdminClient, workspace: Workspace, **fields: Any) -> PlatformApp:
    """An Apple app whose key the emulator generated, registered in fanloop too."""
    made = admin.app(
        platform="apple", client_id="apple-app", team_id=APPLE_TEAM, key_id=APPLE_KEY, name="x"
    )
    return services.create_app(
        workspace,
        "applemusic",
        name="Apple",
        client_id="apple-app",
        team_id=APPLE_TEAM,
        key_id=APPLE_KEY,
        private_key=made["private_key"],
        **fields,
    )


def music_user_token(admin: AdminClient, user_id: str = "ap1", country: str = "GB") -> str:
    admin.user(platform="apple", id=user_id, country=country, email=f"{user_id}@example.org")
    return str(
        admin.token(platform="apple", user_id=user_id, client_id="apple-app")["music_user_token"]
    )


def open_connect_page(client: Client, release_id: int, **ticked: str) -> tuple[str, str]:
    """(state, csrf token) of the Apple Music connect page, as its script reads them;
    ``ticked``: the pre-save page's boxes the fan ticked (``verify="1"``)."""
    response = client.get("/connect/applemusic", {"release": str(release_id), **ticked})
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    state = re.search(r'data-state="([^"]+)"', html)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert state and csrf
    return state.group(1), csrf.group(1)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters live in the process cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()
