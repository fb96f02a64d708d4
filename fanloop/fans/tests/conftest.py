"""Fans test fixtures: an artist and releases built through the catalog services, platform
apps, connections stored through the fans services, and the real emulator for tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import consent_log, identity, presaves, rights
from fanloop.fans.models import Fan, PlatformConnection
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.models import PlatformApp

# The emulator, its state reset per test, and settings pointed at it (platform tests' own).
from fanloop.platforms.tests.conftest import (  # noqa: F401
    admin,
    emulator_url,
    platform_settings,
)

SPOTIFY_CLIENT = "fanloop-client"
SPOTIFY_SECRET = "fanloop-secret"


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="The Lanterns")


def make_release(artist: Artist, title: str = "First Light", days: int = 30) -> Release:
    return create_release(
        artist,
        {"title": title, "release_date": timezone.localdate() + dt.timedelta(days=days)},
        [],
    )


@pytest.fixture
def release(artist: Artist) -> Release:
    return make_release(artist)


@pytest.fixture
def other_workspace(outsider: User) -> Workspace:
    return outsider.memberships.get().workspace


@pytest.fixture
def other_artist(other_workspace: Workspace) -> Artist:
    return create_artist(other_workspace, name="Mallory")


@pytest.fixture
def other_release(other_artist: Artist) -> Release:
    return make_release(other_artist, title="Secret")


def make_app(workspace: Workspace, platform: str = "spotify", **fields: Any) -> PlatformApp:
    defaults: dict[str, Any] = {
        "client_id": SPOTIFY_CLIENT if platform == "spotify" else f"{platform}-app",
        "client_secret": SPOTIFY_SECRET if platform == "spotify" else "",
        "name": f"{platform} app",
    }
    return PlatformApp.objects.create(
        workspace=workspace, platform=platform, **{**defaults, **fields}
    )


@pytest.fixture
def spotify_app(workspace: Workspace) -> PlatformApp:
    return make_app(workspace, "spotify")


@pytest.fixture
def deezer_app(workspace: Workspace) -> PlatformApp:
    return make_app(workspace, "deezer", client_id="555", client_secret="deezer-secret")


@pytest.fixture
def apple_app(workspace: Workspace) -> PlatformApp:
    return make_app(workspace, "applemusic", client_id="apple-app")


def connect(
    app: PlatformApp,
    user_id: str | None = "fan1",
    *,
    email: str | None = None,
    access: str = "AT-plain-access",
    refresh: str | None = "RT-plain-refresh",
    expires_in: int | None = 3600,
    scopes: frozenset[str] = frozenset({"user-library-modify"}),
    name: str = "Fan One",
    country: str = "DE",
    fan: Fan | None = None,
) -> tuple[Fan, PlatformConnection]:
    """A fan coming back from an OAuth callback, stored through the service."""
    profile = Profile(user_id=user_id, display_name=name, country=country, email=email)
    tokens = Tokens(
        access_token=access,
        refresh_token=refresh,
        expires_at=None
        if expires_in is None
        else timezone.now() + dt.timedelta(seconds=expires_in),
        scopes=scopes,
    )
    connected = identity.upsert_fan_for_connection(app.workspace, app, profile, tokens, fan=fan)
    return connected.fan, connected.connection


def token_of(fan: Fan) -> str:
    """The signed token inside the fan's portal URL."""
    return rights.portal_url(fan).rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def connected(spotify_app: PlatformApp, release: Release) -> tuple[Fan, PlatformConnection]:
    """A Spotify fan who pre-saved ``release`` and agreed to follow and to emails."""
    fan, connection = connect(spotify_app, email="fan@example.org")
    presaves.record_presave(
        fan,
        release,
        "spotify",
        connection=connection,
        attribution=presaves.Attribution(utm_source="instagram", referrer_host="instagram.com"),
    )
    consent_log.record_consent(fan, "follow", True, page=release.public_path, artist=release.artist)
    consent_log.record_consent(
        fan, "email", True, page=release.public_path, artist=release.artist, confirmed=True
    )
    return fan, connection
