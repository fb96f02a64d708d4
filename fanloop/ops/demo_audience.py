"""The demo's platforms and audience: the emulator seeded with apps, a catalog and fans, the
same apps registered in fanloop, and scripted fans pre-saving through the real OAuth flow.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from django.db import transaction

from emulator.testing import AdminClient, answer_consent
from fanloop.catalog.models import Release
from fanloop.ops.seed import DemoData
from fanloop.platforms import services as platform_services
from fanloop.platforms.models import PlatformApp

log = logging.getLogger("fanloop.demo")

SPOTIFY_CLIENT_ID = "f4a100bd3e0c11e4700000000000d3e0"
SPOTIFY_SECRET = "demo-spotify-secret"
DEEZER_APP_ID = "700001"
DEEZER_SECRET = "demo-deezer-secret"
APPLE_TEAM_ID = "DEMOTEAM01"
APPLE_KEY_ID = "DEMOKEY001"


@dataclass(frozen=True)
class DemoFan:
    platform: str
    user_id: str
    email: str
    country: str
    utm_source: str


AUDIENCE = [
    DemoFan("spotify", "ana", "ana@fans.example", "DE", "instagram"),
    DemoFan("spotify", "ben", "ben@fans.example", "US", "tiktok"),
    DemoFan("spotify", "chloe", "chloe@fans.example", "FR", "newsletter"),
    DemoFan("spotify", "dev", "dev@fans.example", "IN", "instagram"),
    DemoFan("deezer", "emma", "emma@fans.example", "FR", "tiktok"),
    DemoFan("deezer", "felix", "felix@fans.example", "BR", "newsletter"),
]
# Fans the person running the demo can log in as at the emulator (any password).
SPARE_FANS = [
    DemoFan("spotify", "you", "you@fans.example", "GB", ""),
    DemoFan("deezer", "you-too", "you-too@fans.example", "GB", ""),
    DemoFan("apple", "you-apple", "you-apple@fans.example", "US", ""),
]


def seed_platforms(emulator_url: str, site_url: str, data: DemoData) -> None:
    """Register the demo apps, catalog and fans in the emulator, and the apps in fanloop."""
    admin = AdminClient(emulator_url)
    try:
        known = {(a["platform"], a["client_id"]) for a in admin.list_apps()}
        callback = f"{site_url}/connect/{{}}/callback"
        admin.app(
            platform="spotify",
            client_id=SPOTIFY_CLIENT_ID,
            client_secret=SPOTIFY_SECRET,
            name="fanloop demo",
            redirect_uris=[callback.format("spotify")],
            mode="development",
        )
        admin.app(
            platform="deezer",
            client_id=DEEZER_APP_ID,
            client_secret=DEEZER_SECRET,
            name="fanloop demo",
            redirect_uris=[callback.format("deezer")],
        )
        apple_key = ""
        if ("apple", APPLE_KEY_ID) not in known:
            answer = admin.app(
                platform="apple", client_id=APPLE_KEY_ID, team_id=APPLE_TEAM_ID, key_id=APPLE_KEY_ID
            )
            apple_key = answer.get("private_key", "")
        admin.catalog(
            artists=[{"key": "nova", "name": data.artist.name, "followers": 1200}],
            albums=[
                _album(data.upcoming, "midnight"),
                _album(data.released, "firstlight"),
            ],
        )
        admin.users([_emulated_user(fan) for fan in [*AUDIENCE, *SPARE_FANS]])
    finally:
        admin.close()
    _register_fanloop_apps(data, apple_key)


def _emulated_user(fan: DemoFan) -> dict[str, object]:
    return {
        "platform": fan.platform,
        "id": fan.user_id,
        "email": fan.email,
        "name": fan.user_id.title(),
        "country": fan.country,
        "premium": True,
    }


def _album(release: Release, key: str) -> dict[str, object]:
    return {
        "key": key,
        "name": release.title,
        "upc": release.upc,
        "artists": ["nova"],
        "release_date": release.release_date.isoformat(),
        "tracks": [{"name": t.title, "isrc": t.isrc} for t in release.tracks.all()],
    }


@transaction.atomic
def _register_fanloop_apps(data: DemoData, apple_private_key: str) -> None:
    existing = set(
        PlatformApp.objects.filter(workspace=data.workspace).values_list("platform", flat=True)
    )
    if "spotify" not in existing:
        platform_services.create_app(
            data.workspace,
            "spotify",
            name="Demo Spotify app",
            client_id=SPOTIFY_CLIENT_ID,
            client_secret=SPOTIFY_SECRET,
            mode="development",
        )
    if "deezer" not in existing:
        platform_services.create_app(
            data.workspace,
            "deezer",
            name="Demo Deezer app",
            client_id=DEEZER_APP_ID,
            client_secret=DEEZER_SECRET,
        )
    if "applemusic" not in existing and apple_private_key:
        platform_services.create_app(
            data.workspace,
            "applemusic",
            name="Demo Apple Music key",
            team_id=APPLE_TEAM_ID,
            key_id=APPLE_KEY_ID,
            private_key=apple_private_key,
        )


def presave_as(site_url: str, release_id: int, fan: DemoFan) -> str:
    """One fan's whole pre-save, like their browser would do it; returns where it ended."""
    with httpx.Client(timeout=15) as browser:
        start = browser.get(
            f"{site_url}/connect/{fan.platform}/start",
            params={"release": release_id, "utm_source": fan.utm_source, "utm_medium": "social"},
        )
        if start.status_code != 302:
            return f"start answered {start.status_code}"
        callback = answer_consent(browser, start.headers["location"], fan.email)
        landing = browser.get(callback, follow_redirects=True)
        return str(landing.url)


def run_audience(site_url: str, release_id: int, pause_s: float = 2.0) -> None:
    """Scripted fans pre-save one after another, so the dashboard fills while you watch."""
    for fan in AUDIENCE:
        time.sleep(pause_s)
        try:
            ended = presave_as(site_url, release_id, fan)
        except (httpx.HTTPError, AssertionError) as exc:
            print(f"fanloop demo: {fan.email} could not pre-save: {exc}", flush=True)
            continue
        where = urljoin(site_url, ended).removeprefix(site_url)
        print(f"fanloop demo: {fan.email} pre-saved on {fan.platform} → {where}", flush=True)
