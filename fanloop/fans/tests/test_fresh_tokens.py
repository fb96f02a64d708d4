"""Token lifecycle against the real emulator: a refresh near expiry (the omitted refresh token
kept, a rotated one taken), a revoked or expired grant marks the connection "needs
reconnect" with its tokens discarded and is never tried again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.fans.oauth_tokens import fresh_tokens
from fanloop.platforms.errors import AccessRevoked
from fanloop.platforms.registry import get_platform
from fanloop.platforms.tests.helpers import route_count

from .conftest import SPOTIFY_CLIENT, SPOTIFY_SECRET, connect

TOKEN_ROUTE = "POST /spotify/accounts/api/token"


@pytest.fixture
def emulated(admin, platform_settings, spotify_app):
    """The workspace's Spotify app registered in the emulator, and a fan's real tokens."""
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_CLIENT,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[spotify_app.redirect_uri],
        mode="development",
        name="fanloop",
        users=["fan1@example.org"],
    )
    admin.user(platform="spotify", id="fan1", country="DE", email="fan1@example.org")

    def connection(expires_in: int) -> PlatformConnection:
        raw = admin.token(
            platform="spotify", user_id="fan1", client_id=SPOTIFY_CLIENT,
            scopes="user-library-modify",
        )  # fmt: skip
        _, conn = connect(
            spotify_app,
            "fan1",
            access=raw["access_token"],
            refresh=raw["refresh_token"],
            expires_in=expires_in,
        )
        return conn

    return connection


def test_it_uses_tokens_that_are_still_fresh(emulated, admin):
    conn = emulated(expires_in=3600)
    tokens = fresh_tokens(conn)
    assert tokens.access_token == conn.access_token
    assert route_count(admin, TOKEN_ROUTE) == 0


def test_it_refreshes_near_expiry_and_keeps_the_omitted_refresh_token(emulated, admin):
    conn = emulated(expires_in=120)  # inside the five-minute margin
    old_access, old_refresh = conn.access_token, conn.refresh_token
    tokens = fresh_tokens(conn)
    assert route_count(admin, TOKEN_ROUTE) == 1
    assert tokens.access_token != old_access
    assert tokens.refresh_token == old_refresh  # the emulator, like Spotify, omitted it
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.access_token == tokens.access_token
    assert stored.refresh_token == old_refresh
    assert stored.token_expires_at is not None
    assert stored.token_expires_at > timezone.now() + dt.timedelta(minutes=50)
    assert stored.status == ConnectionStatus.ACTIVE
    platform = get_platform("spotify", stored.app.credentials())
    assert platform.profile(tokens).user_id == "fan1"  # the new token works


def test_it_takes_a_rotated_refresh_token(emulated, admin):
    admin.config(refresh_token_rotation=True)
    conn = emulated(expires_in=0)
    old_refresh = conn.refresh_token
    tokens = fresh_tokens(conn)
    assert tokens.refresh_token and tokens.refresh_token != old_refresh
    assert PlatformConnection.objects.get(pk=conn.pk).refresh_token == tokens.refresh_token


def test_it_marks_a_revoked_grant_and_never_retries(emulated, admin):
    conn = emulated(expires_in=0)
    admin.revoke(platform="spotify", user_id="fan1")
    with pytest.raises(AccessRevoked, match="invalid_grant"):
        fresh_tokens(conn)
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.NEEDS_RECONNECT
    assert "invalid_grant" in stored.status_reason
    assert stored.access_token == "" and stored.refresh_token == ""
    calls = route_count(admin, TOKEN_ROUTE)
    assert calls == 1
    for copy in (conn, stored):
        with pytest.raises(AccessRevoked, match="reconnect"):
            fresh_tokens(copy)
    assert route_count(admin, TOKEN_ROUTE) == calls  # no second call


def test_it_marks_a_refresh_token_expired_after_six_months(emulated, admin):
    conn = emulated(expires_in=0)
    admin.clock(advance=183 * 86400)
    with pytest.raises(AccessRevoked):
        fresh_tokens(conn)
    assert PlatformConnection.objects.get(pk=conn.pk).status == ConnectionStatus.NEEDS_RECONNECT


def test_it_takes_what_another_worker_refreshed_meanwhile(emulated, admin):
    admin.config(refresh_token_rotation=True)
    conn = emulated(expires_in=0)
    stale = PlatformConnection.objects.get(pk=conn.pk)  # a second worker's copy
    fresh = fresh_tokens(conn)  # the first worker rotates the refresh token
    tokens = fresh_tokens(stale)  # the stale refresh token gets invalid_grant...
    assert tokens.access_token == fresh.access_token  # ...but the stored result is used
    assert PlatformConnection.objects.get(pk=conn.pk).status == ConnectionStatus.ACTIVE


def test_it_never_refreshes_tokens_that_do_not_expire(deezer_app, admin):
    _, conn = connect(deezer_app, "9001", refresh=None, expires_in=None)
    assert fresh_tokens(conn).access_token == "AT-plain-access"
    assert not [route for route in admin.stats()["requests"] if "/deezer/" in route]
