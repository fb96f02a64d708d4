"""Emulator test fixtures: one real emulator server per session, state reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator.testing import AdminClient, http_client, run_emulator

REDIRECT = "http://127.0.0.1:9/callback"
PAST = "2020-01-10"
FUTURE = "2099-01-01"


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    with run_emulator(seed=7) as base:
        yield base


@pytest.fixture
def admin(emulator_url: str) -> Iterator[AdminClient]:
    client = AdminClient(emulator_url)
    client.reset()
    yield client
    client.close()


@pytest.fixture
def http(emulator_url: str) -> Iterator[httpx.Client]:
    with http_client(base_url=emulator_url, timeout=10) as http:
        yield http


def seed_catalog(admin: AdminClient, **album_overrides: Any) -> dict[str, Any]:
    """One artist, a released album (2 tracks) and an unreleased one; returns the ids."""
    released = {
        "key": "released",
        "name": "Released LP",
        "upc": "00602445790012",
        "artists": ["band"],
        "label": "Loop Records",
        "release_date": PAST,
        "tracks": [
            {"name": "First Song", "isrc": "USLP12000001"},
            {"name": "Second Song", "isrc": "USLP12000002"},
        ],
    }
    future = {
        "key": "future",
        "name": "Future LP",
        "upc": "00602445790029",
        "artists": ["band"],
        "release_date": FUTURE,
        "tracks": [{"name": "Future Song", "isrc": "USLP19900001"}],
        **album_overrides,
    }
    out = admin.catalog(
        artists=[{"key": "band", "name": "The Emulators", "followers": 1000}],
        albums=[released, future],
    )
    return {
        "artist": out["artists"][0]["ids"],
        "released": out["albums"][0]["ids"],
        "released_tracks": [t["ids"] for t in out["albums"][0]["tracks"]],
        "future": out["albums"][1]["ids"],
        "future_tracks": [t["ids"] for t in out["albums"][1]["tracks"]],
    }


def spotify_app(admin: AdminClient, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "platform": "spotify",
        "client_id": "fanloop-client",
        "client_secret": "fanloop-secret",
        "redirect_uris": [REDIRECT],
        "mode": "extended",
        "name": "fanloop",
    }
    fields.update(overrides)
    return dict(admin.app(**fields))


ALL_SCOPES = [
    "user-library-modify",
    "user-library-read",
    "user-follow-modify",
    "user-follow-read",
    "user-read-private",
    "user-read-email",
]


def spotify_token(
    admin: AdminClient, user_id: str = "fan1", scopes: list[str] | None = None, **kw: Any
) -> dict[str, Any]:
    if admin.http.get(f"/users/spotify/{user_id}").status_code == 404:
        admin.user(platform="spotify", id=user_id, country=kw.pop("country", "US"))
    return dict(
        admin.token(
            platform="spotify",
            user_id=user_id,
            client_id=kw.pop("client_id", "fanloop-client"),
            scopes=ALL_SCOPES if scopes is None else scopes,
            **kw,
        )
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
