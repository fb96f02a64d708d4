"""Helpers for the notify-me, Apple Music and in-app tests: an Apple app known to both the
emulator and fanloop, and the connect page's state and CSRF token read like a browser."""

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
