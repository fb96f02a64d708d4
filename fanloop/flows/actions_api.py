"""The ``api_save`` and ``api_follow`` flow steps: act through the platform with the fan's
stored connection, only where the fan agreed to exactly that.

- save: the fan pre-saved this release (on a platform, not "email me"), or opted in to
  "save this artist's future releases" (forever save) for its artist;
- follow: an active follow consent for the artist.

The connection must hold the scope (``grants.has_capability``). Each success records a
SAVED / FOLLOWED fan event keyed by the step (``<key>:<platform>``), so a retried step
records it once. Rate limits and outages ask the engine to retry later; a revoked grant
marks the connection for reconnect and is not retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.consent_log import consent_is_active, current_consents
from fanloop.fans.models import ConnectionStatus, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.fans.oauth_tokens import fresh_tokens, mark_needs_reconnect
from fanloop.flows.grants import album_ref, artist_ref, has_capability
from fanloop.platforms import errors
from fanloop.platforms.base import Capability, ItemRef
from fanloop.platforms.registry import get_platform

log = logging.getLogger(__name__)


class ApiStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"  # no consent, no scope, nothing to act on: the flow goes on
    RETRY = "retry"  # rate limited or the platform failed for now


@dataclass(frozen=True)
class ApiResult:
    status: ApiStatus
    detail: str
    retry_after_s: float | None = None


def save_release(
    fan: Fan, release: Release | None, *, key: str, dry_run: bool = False
) -> ApiResult:
    """Save ``release`` to the fan's library on every connected platform that allows it."""
    if release is None:
        return ApiResult(ApiStatus.SKIPPED, "no release in this journey")
    if not _save_consented(fan, release):
        return ApiResult(ApiStatus.SKIPPED, "no consent to save (no pre-save, no forever save)")
    return _act(fan, release, Capability.SAVE, key=key, dry_run=dry_run)


def follow_artist(
    fan: Fan, release: Release | None, *, key: str, dry_run: bool = False
) -> ApiResult:
    """Follow the release's artist on every connected platform that allows it."""
    if release is None:
        return ApiResult(ApiStatus.SKIPPED, "no release in this journey")
    consent = current_consents(fan, artist=release.artist).get(ConsentKind.FOLLOW)
    if not consent_is_active(consent):
        return ApiResult(ApiStatus.SKIPPED, "no consent to follow the artist")
    return _act(fan, release, Capability.FOLLOW, key=key, dry_run=dry_run)


def _save_consented(fan: Fan, release: Release) -> bool:
    presaved = (
        PreSave.objects.filter(fan=fan, release=release)
        .exclude(platform=PreSave.EMAIL_ONLY)
        .exists()
    )
    if presaved:
        return True
    consent = current_consents(fan, artist=release.artist).get(ConsentKind.FOREVER_SAVE)
    return consent_is_active(consent)


def _item(release: Release, platform: str, capability: Capability) -> ItemRef | None:
    if capability == Capability.SAVE:
        return album_ref(release, platform)
    return artist_ref(release, platform)


def _act(
    fan: Fan, release: Release, capability: Capability, *, key: str, dry_run: bool
) -> ApiResult:
    connections = [
        c
        for c in PlatformConnection.objects.filter(
            fan=fan, status=ConnectionStatus.ACTIVE
        ).select_related("app")
        if has_capability(c, capability)
    ]
    if not connections:
        return ApiResult(ApiStatus.SKIPPED, f"no connection allowed to {capability}")
    kind = FanEventKind.SAVED if capability == Capability.SAVE else FanEventKind.FOLLOWED
    done: list[str] = []
    notes: list[str] = []
    for connection in connections:
        event_key = f"{key}:{connection.platform}"
        if FanEvent.objects.filter(key=event_key).exists():
            done.append(connection.platform)
            continue
        item = _item(release, connection.platform, capability)
        if item is None:
            notes.append(f"{connection.platform}: not found on the platform")
            continue
        if dry_run:
            notes.append(f"{connection.platform}: dry run")
            continue
        try:
            tokens = fresh_tokens(connection)
            get_platform(connection.platform, connection.app.credentials()).save(tokens, [item])
        except errors.AccessRevoked as exc:
            if connection.status == ConnectionStatus.ACTIVE:
                mark_needs_reconnect(connection, str(exc))
            notes.append(f"{connection.platform}: needs reconnect")
            continue
        except (errors.PermissionDenied, errors.NotFound, errors.BadRequest) as exc:
            notes.append(f"{connection.platform}: {exc}")
            continue
        except errors.RateLimited as exc:
            return ApiResult(
                ApiStatus.RETRY, f"{connection.platform}: rate limited", exc.retry_after
            )
        except errors.PlatformError as exc:
            log.info(
                "flow %s for fan %s on %s failed: %s", capability, fan.pk, connection.platform, exc
            )
            return ApiResult(ApiStatus.RETRY, f"{connection.platform}: {exc}")
        record_fan_event(
            fan,
            kind,
            key=event_key,
            actor=Actor.FANLOOP,
            release=release,
            platform=connection.platform,
            data={"via": "flow", "item": item.id},
        )
        done.append(connection.platform)
    if done:
        return ApiResult(ApiStatus.DONE, "; ".join([f"done on {', '.join(done)}", *notes]))
    return ApiResult(ApiStatus.SKIPPED, "; ".join(notes) or "nothing to do")
