"""Test helpers: seed the emulator's catalog and users, mint tokens, drive its login and consent
pages like a browser (real HTML forms over HTTP), and read its request counters."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from emulator.testing import AdminClient, answer_consent
from fanloop.platforms.base import Tokens

REDIRECT = "http://127.0.0.1:9/connect/callback"
SPOTIFY_CLIENT = "fanloop-client"
SPOTIFY_SECRET = "fanloop-secret"
DEEZER_APP_ID = "555"
DEEZER_SECRET = "deezer-secret"
APPLE_TEAM_ID = "TEAM123456"
APPLE_KEY_ID = "KEY1234567"

RELEASED_UPC = "00602445790012"
FUTURE_UPC = "00602445790029"
STRIPPED_UPC = "00602445790036"  # Deezer stores it as 602445790036
PAST = "2020-01-10"
FUTURE = "2099-01-01"


def seed_catalog(admin: AdminClient, extra_albums: list[dict[str, Any]] | None = None) -> Any:
    """One artist; a released album (2 tracks), an unreleased one, and one whose UPC Deezer
    stores without leading zeros. Returns the emulator's answer (ids per platform)."""
    albums: list[dict[str, Any]] = [
        {
            "key": "released",
            "name": "Released LP",
            "upc": RELEASED_UPC,
            "artists": ["band"],
            "release_date": PAST,
            "tracks": [
                {"name": "First Song", "isrc": "USLP12000001"},
                {"name": "Second Song", "isrc": "USLP12000002"},
            ],
        },
        {
            "key": "future",
            "name": "Future LP",
            "upc": FUTURE_UPC,
            "artists": ["band"],
            "release_date": FUTURE,
            "tracks": [{"name": "Future Song", "isrc": "USLP19900001"}],
        },
        {
            "key": "stripped",
            "name": "Stripped EP",
            "upc": STRIPPED_UPC,
            "artists": ["band"],
            "release_date": PAST,
            "deezer_strip_upc_zeros": True,
            "tracks": [{"name": "Stripped Song", "isrc": "USLP12000003"}],
        },
        *(extra_albums or []),
    ]
    return admin.catalog(
        artists=[{"key": "band", "name": "The Emulators", "followers": 1000}], albums=albums
    )


def ids(seeded: Any, album_key: str, platform: str) -> dict[str, Any]:
    """The album's id, its track ids and its first artist's id on one platform."""
    album = next(a for a in seeded["albums"] if a["key"] == album_key)
    return {
        "album": album["ids"][platform],
        "tracks": [t["ids"][platform] for t in album["tracks"]],
        "artist": seeded["artists"][0]["ids"][platform],
    }


def many_tracks(key: str, upc: str, count: int) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"Long {key}",
        "upc": upc,
        "artists": ["band"],
        "release_date": PAST,
        "tracks": [
            {"name": f"Track {n}", "isrc": f"USLP1{key[:2].upper()}{n:05d}"} for n in range(count)
        ],
    }


def spotify_tokens(
    admin: AdminClient,
    user_id: str = "fan1",
    scopes: str = "user-library-modify user-library-read user-follow-modify user-follow-read",
    country: str = "US",
    **extra: Any,
) -> Tokens:
    admin.user(platform="spotify", id=user_id, country=country, email=f"{user_id}@example.org")
    raw = admin.token(
        platform="spotify", user_id=user_id, client_id=SPOTIFY_CLIENT, scopes=scopes, **extra
    )
    return Tokens(
        access_token=raw["access_token"],
        refresh_token=raw["refresh_token"],
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=raw["expires_in"]),
        scopes=frozenset(raw["scope"].split()),
    )


def deezer_tokens(
    admin: AdminClient,
    user_id: str = "9001",
    perms: str = "basic_access,manage_library,offline_access",
    country: str = "FR",
) -> Tokens:
    admin.user(platform="deezer", id=user_id, country=country, email=f"dz{user_id}@example.org")
    raw = admin.token(platform="deezer", user_id=user_id, client_id=DEEZER_APP_ID, perms=perms)
    return Tokens(access_token=raw["access_token"])


def apple_tokens(admin: AdminClient, user_id: str = "ap1", country: str = "GB") -> Tokens:
    admin.user(platform="apple", id=user_id, country=country, email=f"{user_id}@example.org")
    raw = admin.token(platform="apple", user_id=user_id, client_id="apple-app")
    return Tokens(access_token=raw["music_user_token"])


def route_count(admin: AdminClient, route: str) -> int:
    """How many calls the emulator answered on one route ("PUT /spotify/v1/me/library")."""
    return sum(admin.stats()["requests"].get(route, {}).values())


def authorize_in_browser(
    browser: httpx.Client, authorize_url: str, email: str, agree: bool = True
) -> dict[str, str]:
    """Open the authorize URL, log in, answer the consent page; the callback's query."""
    location = answer_consent(browser, authorize_url, email, agree=agree)
    assert location.startswith(REDIRECT), location
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
