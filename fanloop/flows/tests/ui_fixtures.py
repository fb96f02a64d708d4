"""Fixtures of the flow editor, action page and verification tests: an artist with a
release out since yesterday, email templates of each kind, and fans with connections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release
from fanloop.fans import identity
from fanloop.fans.models import Fan, PlatformConnection
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms import services as platform_services
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.app_factories import (
    DEEZER_ID,
    DEEZER_SECRET,
    SPOTIFY_ID,
    SPOTIFY_SECRET,
)

SITE = "http://127.0.0.1:8000"  # Spotify refuses plain-http redirects to other hosts
ALL_SPOTIFY_SCOPES = "user-library-modify user-library-read user-follow-modify user-follow-read"


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return Artist.objects.create(workspace=workspace, name="Nova Lights", slug="nova-lights")


@pytest.fixture
def release(artist: Artist) -> Release:
    """Out since yesterday everywhere (one global instant), published."""
    return Release.objects.create(
        artist=artist,
        title="Midnight Signal",
        slug="midnight-signal",
        release_date=timezone.localdate() - dt.timedelta(days=1),
        release_mode="global",
        release_time_zone="UTC",
        published=True,
        short_code="flw1234",
    )


def template(workspace: Workspace, name: str, body: str) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace, name=name, subject=name, text_body=body
    )


@pytest.fixture
def templates(workspace: Workspace) -> dict[str, EmailTemplate]:
    """One template per kind of message the warnings tell apart."""
    return {
        "listen": template(
            workspace,
            "It's out",
            "{% for label, url in listen_links %}{{ label }}: {{ url }}\n{% endfor %}",
        ),
        "save": template(workspace, "Save it", "Save {{ release.title }}: {{ save_url }}"),
        "follow": template(workspace, "Follow", "Follow {{ artist.name }}: {{ follow_url }}"),
        "news": template(workspace, "News", "Hello {{ fan.display_name }}"),
    }


@pytest.fixture
def fan(workspace: Workspace) -> Fan:
    return Fan.objects.create(workspace=workspace, email="fan1@example.org", country="DE")


def register_apps(
    admin: AdminClient, workspace: Workspace, site: str = SITE
) -> dict[str, PlatformApp]:
    """The emulator and fanloop both know a Spotify and a Deezer app (``site``'s callbacks)."""
    for platform, client_id, secret, mode in (
        ("spotify", SPOTIFY_ID, SPOTIFY_SECRET, "development"),
        ("deezer", DEEZER_ID, DEEZER_SECRET, None),
    ):
        fields: dict[str, Any] = {
            "platform": platform,
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [f"{site}/connect/{platform}/callback"],
            "name": "fanloop",
        }
        if mode:
            fields["mode"] = mode
            fields["users"] = ["fan1@example.org"]  # the ``fan`` fixture, allow-listed
        admin.app(**fields)
    return {
        "spotify": platform_services.create_app(
            workspace,
            "spotify",
            name="Main",
            client_id=SPOTIFY_ID,
            client_secret=SPOTIFY_SECRET,
            allowed_emails=["fan1@example.org"],  # mirrors the emulator app's allow-list
        ),
        "deezer": platform_services.create_app(
            workspace, "deezer", client_id=DEEZER_ID, client_secret=DEEZER_SECRET
        ),
    }


def connect_spotify(
    admin: AdminClient,
    fan: Fan,
    app: PlatformApp,
    *,
    user_id: str = "fan1",
    scopes: str = ALL_SPOTIFY_SCOPES,
) -> PlatformConnection:
    """A stored Spotify connection of ``fan`` with real emulator tokens for ``scopes``."""
    user = admin.user(platform="spotify", id=user_id, country="DE", email=fan.email or None)
    if app.mode == "development":  # the artist put this fan on the app's allow-list
        admin.allow(app.client_id, user["email"])
    raw = admin.token(platform="spotify", user_id=user_id, client_id=SPOTIFY_ID, scopes=scopes)
    tokens = Tokens(
        access_token=raw["access_token"],
        refresh_token=raw["refresh_token"],
        expires_at=timezone.now() + dt.timedelta(seconds=raw["expires_in"]),
        scopes=frozenset(raw["scope"].split()),
    )
    connection = identity.upsert_fan_for_connection(
        fan.workspace, app, Profile(user_id=user_id, country="DE"), tokens, fan=fan
    ).connection
    return connection


def seed_album(admin: AdminClient, release: Release) -> dict[str, str]:
    """The release's album and artist at the emulator; their Spotify / Deezer ids stored on
    the release and artist. Returns {"spotify_album": …, "spotify_artist": …, …} and the
    album's Apple Music id ("apple_album", not stored: a test that needs it stores it)."""
    seeded = admin.catalog(
        artists=[{"key": "nova", "name": "Nova Lights", "followers": 10}],
        albums=[
            {
                "key": "signal",
                "name": release.title,
                "upc": "00602445790012",
                "artists": ["nova"],
                "release_date": "2020-01-10",
                "tracks": [{"name": "Signal", "isrc": "USLP12000001"}],
            }
        ],
    )
    album = seeded["albums"][0]["ids"]
    artist = seeded["artists"][0]["ids"]
    platform_ids.write_release_ids(
        release, {"spotify": album["spotify"], "deezer": album["deezer"]}
    )
    platform_ids.write_artist_ids(
        release.artist, {key: (artist[key], "") for key in ("spotify", "deezer")}
    )
    return {
        "spotify_album": album["spotify"],
        "spotify_artist": artist["spotify"],
        "deezer_album": album["deezer"],
        "deezer_artist": artist["deezer"],
        "apple_album": album["apple"],
    }
