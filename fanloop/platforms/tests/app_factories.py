"""Helpers for the platform-app tests: valid credentials, apps made through the services,
and fans connected through an app (rows written directly: fans' services are not ours)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.fans.models import ConnectionStatus, Fan, PlatformConnection
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

# Real Spotify client ids are 32 lowercase hex characters; the emulator takes any id.
SPOTIFY_ID = "0123456789abcdef0123456789abcdef"
SPOTIFY_SECRET = "5ec2e75ec2e75ec2e75ec2e75ec2e7aa"
SPOTIFY_ID_2 = "fedcba9876543210fedcba9876543210"
DEEZER_ID = "555"
DEEZER_SECRET = "deezer-secret-value"
APPLE_TEAM = "TEAM123456"
APPLE_KEY = "KEY1234567"


def pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def p256_key() -> str:
    return pem(ec.generate_private_key(ec.SECP256R1()))


def p384_key() -> str:
    return pem(ec.generate_private_key(ec.SECP384R1()))


def rsa_key() -> str:
    return pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def spotify_app(workspace: Workspace, **fields: Any) -> PlatformApp:
    values: dict[str, Any] = {
        "name": "Main",
        "client_id": SPOTIFY_ID,
        "client_secret": SPOTIFY_SECRET,
        **fields,
    }
    return services.create_app(workspace, "spotify", **values)


def unlimited_spotify_app(admin: AdminClient, workspace: Workspace) -> PlatformApp:
    """An extended-quota Spotify app at the emulator (no rate limit) and its copy in
    ``workspace``, whose call budget is as unlimited, so fanloop's pacing never waits."""
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=["http://127.0.0.1:8000/connect/spotify/callback"],
        mode="extended",
    )
    app = services.create_app(
        workspace,
        "spotify",
        name="Main",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        mode="extended",
    )
    PlatformApp.objects.filter(pk=app.pk).update(budget_per_30s=1_000_000)
    app.refresh_from_db()
    return app


def deezer_app(workspace: Workspace, **fields: Any) -> PlatformApp:
    values = {"client_id": DEEZER_ID, "client_secret": DEEZER_SECRET, **fields}
    return services.create_app(workspace, "deezer", **values)


def apple_app(workspace: Workspace, private_key: str | None = None, **fields: Any) -> PlatformApp:
    values = {
        "team_id": APPLE_TEAM,
        "key_id": APPLE_KEY,
        "private_key": private_key or p256_key(),
        **fields,
    }
    return services.create_app(workspace, "applemusic", **values)


def connect_fans(
    app: PlatformApp, count: int, status: str = ConnectionStatus.ACTIVE, start: int = 0
) -> list[PlatformConnection]:
    connections = []
    for n in range(start, start + count):
        fan = Fan.objects.create(workspace=app.workspace, email=f"fan{app.pk}-{n}@example.org")
        connections.append(
            PlatformConnection.objects.create(
                fan=fan,
                app=app,
                platform=app.platform,
                platform_user_id=f"user-{app.pk}-{n}",
                access_token=f"access-{n}",
                refresh_token=f"refresh-{n}",
                status=status,
            )
        )
    return connections
