"""Token lifecycle of platform connections: refresh when needed, mark dead grants, and find
the connections whose refresh token dies before a release (so the fan can reconnect first).

``invalid_grant`` (``AccessRevoked``) is terminal: the tokens are discarded and the
connection waits for the fan to reconnect; it is never retried.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.platforms.base import Tokens
from fanloop.platforms.errors import AccessRevoked
from fanloop.platforms.registry import get_platform, refresh_token_lifetimes

log = logging.getLogger(__name__)

# Refresh a little before expiry: a call started with a token that dies mid-way fails.
REFRESH_MARGIN_S = 300


def tokens_of(connection: PlatformConnection) -> Tokens:
    return Tokens(
        access_token=connection.access_token or "",
        refresh_token=connection.refresh_token or None,
        expires_at=connection.token_expires_at,
        scopes=connection.scope_set,
    )


def mark_needs_reconnect(connection: PlatformConnection, reason: str) -> None:
    """The grant is gone (revoked, expired): discard the tokens, wait for a reconnect."""
    connection.status = ConnectionStatus.NEEDS_RECONNECT
    connection.status_reason = reason[:300]
    connection.access_token = ""
    connection.refresh_token = ""
    connection.token_expires_at = None
    connection.save(
        update_fields=[
            "status",
            "status_reason",
            "access_token",
            "refresh_token",
            "token_expires_at",
            "updated",
        ]
    )
    log.info("connection %s needs reconnect: %s", connection.pk, reason)


def fresh_tokens(connection: PlatformConnection) -> Tokens:
    """Tokens good for at least five more minutes, refreshed and stored when needed.

    AccessRevoked when the connection needs a reconnect (already marked, or the platform
    refused the refresh: then it is marked, and never retried). Other platform errors
    (rate limits, outages) propagate untouched for the caller to retry later.
    """
    if connection.status == ConnectionStatus.NEEDS_RECONNECT:
        raise AccessRevoked(
            f"{connection.platform} connection needs a reconnect: {connection.status_reason}"
        )
    tokens = tokens_of(connection)
    if not tokens.access_token:
        mark_needs_reconnect(connection, "no access token stored")
        raise AccessRevoked(f"{connection.platform} connection has no token: reconnect")
    if not tokens.expires_within(REFRESH_MARGIN_S, timezone.now()):
        return tokens
    platform = get_platform(connection.platform, connection.app.credentials())
    try:
        fresh = platform.refresh(tokens)
    except AccessRevoked as exc:
        # Another worker may have refreshed (and rotated) these tokens meanwhile: its
        # result is good, only our copy of the refresh token was stale.
        stored = PlatformConnection.objects.filter(pk=connection.pk).first()
        if (
            stored is not None
            and stored.access_token
            and stored.access_token != tokens.access_token
        ):
            _copy_tokens(stored, connection)
            return tokens_of(connection)
        mark_needs_reconnect(connection, str(exc))
        raise
    connection.access_token = fresh.access_token
    # Spotify may omit the refresh token in a refresh answer: the old one stays valid.
    connection.refresh_token = fresh.refresh_token or tokens.refresh_token or ""
    connection.token_expires_at = fresh.expires_at
    if fresh.scopes:
        connection.scopes = " ".join(sorted(fresh.scopes))
    connection.save(
        update_fields=["access_token", "refresh_token", "token_expires_at", "scopes", "updated"]
    )
    return tokens_of(connection)


def _copy_tokens(source: PlatformConnection, target: PlatformConnection) -> None:
    target.access_token = source.access_token
    target.refresh_token = source.refresh_token
    target.token_expires_at = source.token_expires_at
    target.scopes = source.scopes
    target.status = source.status
    target.status_reason = source.status_reason


def refresh_deadline(release: Release) -> dt.datetime:
    """Connections authorized before this instant lose their refresh token before release
    (on the platform whose refresh tokens live the shortest)."""
    return release.first_instant() - min(
        refresh_token_lifetimes().values(), default=dt.timedelta(0)
    )


def expiring_connections(release: Release) -> QuerySet[PlatformConnection]:
    """Active connections of this release's pre-savers whose refresh token expires (on a
    schedule: Spotify's) before the release's first instant: ask these fans to reconnect
    before release day."""
    first = release.first_instant()
    expiring = Q(pk__in=[])
    for platform, lifetime in refresh_token_lifetimes().items():
        expiring |= Q(platform=platform, authorized_at__lt=first - lifetime)
    return _presave_connections(release, ConnectionStatus.ACTIVE, expiring).order_by(
        "authorized_at", "pk"
    )


def reconnect_needed_connections(release: Release) -> QuerySet[PlatformConnection]:
    """Connections of this release's pre-savers that already need a reconnect."""
    return _presave_connections(release, ConnectionStatus.NEEDS_RECONNECT).order_by(
        "-updated", "pk"
    )


def _presave_connections(
    release: Release, status: str, *conditions: Q
) -> QuerySet[PlatformConnection]:
    """Connections in ``status`` (and ``conditions``) of fans who pre-saved ``release`` on
    that connection's platform, each once, with its fan."""
    return (
        PlatformConnection.objects.filter(
            *conditions,
            status=status,
            fan__presaves__release=release,
            fan__presaves__platform=F("platform"),
        )
        .select_related("fan")
        .distinct()
    )


def upcoming_releases(
    queryset: QuerySet[Release], now: dt.datetime | None = None, within: dt.timedelta | None = None
) -> list[Release]:
    """Releases not yet live anywhere (optionally: going live within ``within``), soonest first.

    The first instant depends on the release mode and zones, so the date filter in SQL is
    only a coarse bound (a day of slack either way) and Python decides.
    """
    now = now or timezone.now()
    rows = queryset.filter(release_date__gte=(now - dt.timedelta(days=2)).date())
    if within is not None:
        rows = rows.filter(release_date__lte=(now + within + dt.timedelta(days=2)).date())
    found = [
        r
        for r in rows.select_related("artist")
        if r.first_instant() > now and (within is None or r.first_instant() <= now + within)
    ]
    return sorted(found, key=lambda r: (r.first_instant(), r.pk))
