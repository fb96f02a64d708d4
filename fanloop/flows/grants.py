"""What a stored platform connection may do, and the platform ids a release's actions use.

A capability is granted when the connection holds every scope its platform asks for it
(each adapter's ``INFO.scopes_for``); a platform without the capability (Apple has no
follow) never grants it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.utils import timezone

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.fans.oauth_tokens import fresh_tokens
from fanloop.fulfillment.models import ReleasePlatform
from fanloop.platforms import registry
from fanloop.platforms.base import Capability, ItemRef, Platform, Tokens
from fanloop.platforms.errors import TokenExpired
from fanloop.platforms.registry import get_platform

T = TypeVar("T")


def required_scopes(platform: str, capability: Capability) -> frozenset[str] | None:
    """Scopes ``capability`` needs on ``platform``; None when the platform cannot do it."""
    return registry.required_scopes(platform, capability)


def has_capability(connection: PlatformConnection, capability: Capability) -> bool:
    """An active connection holding the scopes ``capability`` needs."""
    if connection.status != ConnectionStatus.ACTIVE or not connection.access_token:
        return False
    needed = required_scopes(connection.platform, capability)
    return needed is not None and needed <= connection.scope_set


def granted_capabilities(connection: PlatformConnection) -> frozenset[Capability]:
    """Every capability the connection's scopes cover (asked for again on a re-connect, so
    a new grant for one action does not drop what the fan granted before)."""
    return frozenset(
        cap
        for cap in Capability
        if (needed := required_scopes(connection.platform, cap)) is not None
        and needed <= connection.scope_set
    )


def _state(release: Release, platform: str) -> ReleasePlatform | None:
    return ReleasePlatform.objects.filter(release=release, platform=platform).first()


def album_ref(release: Release, platform: str) -> ItemRef | None:
    """The release's album on ``platform``: the member's id, else the detected one."""
    album_id = platform_ids.release_id(release, platform).strip()
    if not album_id:
        state = _state(release, platform)
        album_id = state.album_id if state else ""
    return ItemRef("album", album_id) if album_id else None


def artist_ref(release: Release, platform: str) -> ItemRef | None:
    """The release's artist on ``platform`` (for a follow): stored id, else the detected one."""
    if required_scopes(platform, Capability.FOLLOW) is None:  # Apple Music: no follow
        return None
    artist_id = platform_ids.artist_id(release.artist, platform).strip()
    if not artist_id:
        state = _state(release, platform)
        ids = state.artist_ids if state else []
        artist_id = str(ids[0]) if ids else ""
    return ItemRef("artist", artist_id) if artist_id else None


def track_ref(release: Release, platform: str, position: int) -> ItemRef | None:
    """The release's track at ``position`` (1-based, album order) on ``platform``: the id
    stored for that track (found by its ISRC), else the album's track ids release detection
    found there."""
    stored = platform_ids.track_id_at(release, platform, position)
    if stored:
        return ItemRef("track", stored)
    state = _state(release, platform)
    ids = state.track_ids if state else []
    if not 0 < position <= len(ids):
        return None
    return ItemRef("track", str(ids[position - 1]))


def call_with_tokens(connection: PlatformConnection, call: Callable[[Platform, Tokens], T]) -> T:
    """``call(adapter, tokens)`` with fresh tokens; an access token the platform calls
    expired is refreshed and the call made once more. AccessRevoked marks the connection
    (see ``fresh_tokens``); other platform errors propagate."""
    adapter = get_platform(connection.platform, connection.app.credentials())
    try:
        return call(adapter, fresh_tokens(connection))
    except TokenExpired:
        connection.token_expires_at = timezone.now()  # due now: the next read refreshes
        return call(adapter, fresh_tokens(connection))
