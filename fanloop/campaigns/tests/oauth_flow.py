"""Test helpers for the OAuth pre-save: the emulator's apps registered with fanloop's fixed
redirect URIs, fanloop's platform apps, and a fan's browser on both sides of the round trip.

fanloop is driven with Django's test client (its session is the fan's browser session); the
emulator's login and consent pages with httpx, over real HTTP, like a browser would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from emulator.testing import AdminClient, answer_consent, http_client
from fanloop.catalog.models import Release
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.app_factories import (
    DEEZER_ID,
    DEEZER_SECRET,
    SPOTIFY_ID,
    SPOTIFY_SECRET,
)

SITE = "http://127.0.0.1:8000"  # Spotify refuses plain-http redirects to other hosts


@dataclass
class Flow:
    admin: AdminClient
    release: Release
    apps: dict[str, PlatformApp]
    browser: httpx.Client
    client: Client = field(default_factory=Client)

    def start(self, platform: str = "spotify", client: Client | None = None, **params: Any) -> Any:
        query = {"release": self.release.pk, **params}
        return (client or self.client).get(reverse("campaigns:oauth_start", args=[platform]), query)

    def authorize(self, location: str, email: str, agree: bool = True) -> dict[str, str]:
        """At the emulator: log in, answer the consent page; the callback's query."""
        back = answer_consent(self.browser, location, email, agree=agree)
        assert back.startswith(f"{SITE}/connect/"), back
        return {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}

    def callback(self, platform: str, query: dict[str, str], client: Client | None = None) -> Any:
        return (client or self.client).get(
            reverse("campaigns:oauth_callback", args=[platform]), query
        )

    def round_trip(
        self, platform: str = "spotify", email: str = "fan1@example.org", **params: Any
    ) -> tuple[Any, Any]:
        """Start, authorize at the emulator, come back: (start response, callback response)."""
        started = self.start(platform, **params)
        assert started.status_code == 302, started.content
        answer = self.authorize(started["Location"], email)
        return started, self.callback(platform, answer)


def redirect_uri(platform: str) -> str:
    return f"{SITE}{reverse('campaigns:oauth_callback', args=[platform])}"


@pytest.fixture
def flow(
    admin: AdminClient, platform_settings: Any, release: Release, workspace: Any
) -> Iterator[Flow]:
    """The emulator and fanloop both know a Spotify (development mode, both Spotify fans on
    its allow-list) and a Deezer app; two Spotify fans and one Deezer fan exist at the
    emulator."""
    platform_settings.SITE_URL = SITE
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[redirect_uri("spotify")],
        mode="development",
        name="fanloop",
        users=["fan1@example.org", "fan2@example.org"],  # the artist's allow-list
    )
    admin.app(
        platform="deezer",
        client_id=DEEZER_ID,
        client_secret=DEEZER_SECRET,
        redirect_uris=[redirect_uri("deezer")],
        name="fanloop",
    )
    for n in (1, 2):
        admin.user(platform="spotify", id=f"fan{n}", email=f"fan{n}@example.org", country="DE")
    admin.user(platform="deezer", id="9001", email="dz@example.org", country="FR")
    apps = {
        "spotify": services.create_app(
            workspace,
            "spotify",
            name="Main",
            client_id=SPOTIFY_ID,
            client_secret=SPOTIFY_SECRET,
            allowed_emails=["fan1@example.org", "fan2@example.org"],  # mirrors the emulator's
        ),
        "deezer": services.create_app(
            workspace, "deezer", client_id=DEEZER_ID, client_secret=DEEZER_SECRET
        ),
    }
    with http_client(timeout=10) as browser:
        yield Flow(admin, release, apps, browser)
