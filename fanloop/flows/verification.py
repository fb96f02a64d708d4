"""Save and follow verification: at release +1 d, +7 d and +30 d, for fans who allowed it.

A fan is checked on a platform when they pre-saved or saved the release, gave the VERIFY
consent and their connection holds the read scope. Each checkpoint is due at the release
instant of the fan's market plus 1, 7 or 30 days, and is checked until ``LATE_LIMIT``
after (a worker that was down catches up; a much older checkpoint is skipped).

One ``contains`` call per fan and checkpoint (the album, plus the artist when the fan
agreed to follow), paced by the platform app's shared call gate (``fulfillment.pacer``).
Results are fan events with one key per release, fan, platform and checkpoint
(``verify:<release>:<fan>:<platform>:<checkpoint>``, and ``…:follow`` for the follow):

    +1 d    saved → SAVE_VERIFIED     not saved → SAVE_MISSING (the fan removed it)
    +7 d    saved → SAVE_KEPT_7D      not saved → SAVE_MISSING
    +30 d   saved → SAVE_KEPT_30D     not saved → SAVE_MISSING
    any     following → FOLLOW_VERIFIED
    any     a track of the release in the library → TRACK_SAVED (once per track,
            ``verify-track:<release>:<fan>:<platform>:<track id>``), the fan's own act:
            only where fanloop did not save the tracks itself (``include_tracks`` off)

The same call reads the release's tracks (their ids as release detection found them).
A check that could not be made (no consent, no read scope, an expired grant) writes
nothing: unknown is never "not saved".

Checkpoint delays are scaled by ``steps.WAIT_SCALE`` like flow waits (1.0 outside the demo).
A checkpoint whose call failed (rate limit, outage) writes nothing and is retried by the
next sweep. The sweep is a DBOS workflow on the ``VERIFY_SCHEDULE`` cron schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dbos import DBOS, ScheduleInput
from django.utils import timezone

from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans import consents
from fanloop.fans.models import (
    ConnectionStatus,
    ConsentKind,
    PlatformConnection,
    PreSave,
)
from fanloop.flows import steps
from fanloop.flows.grants import album_ref, artist_ref, call_with_tokens, has_capability
from fanloop.fulfillment.models import ReleasePlatform
from fanloop.fulfillment.pacer import Permits
from fanloop.lib import durable
from fanloop.platforms import errors, registry
from fanloop.platforms.base import Capability, ItemRef, Platform, Tokens

log = logging.getLogger(__name__)

CHECKPOINTS: tuple[tuple[str, int], ...] = (("1d", 1), ("7d", 7), ("30d", 30))
SAVED_KIND = {
    "1d": FanEventKind.SAVE_VERIFIED,
    "7d": FanEventKind.SAVE_KEPT_7D,
    "30d": FanEventKind.SAVE_KEPT_30D,
}
LATE_LIMIT = dt.timedelta(days=3)
# Release instants differ by market by at most ~26 hours around the release date.
MARKET_SPREAD = dt.timedelta(days=2)
SCHEDULE_NAME = "flows-verification"
# Cron (UTC, seconds first allowed) of the sweep: once a day is enough for checkpoints a day
# or more apart; the demo sweeps every 20 s through FANLOOP_TUNING (its days pass in minutes).
VERIFY_SCHEDULE = "0 17 * * * *"
# Fans checked per verification batch (one platform call each, paced by the app's gate).
# Not measured; chosen to keep one step's work (and a retried step's repeat) bounded.
BATCH = 200
# Events that show the fan has the release in their library (through fanloop).
SAVING_EVENTS = (FanEventKind.SAVED, FanEventKind.DELIVERY_SUCCEEDED)


@dataclass(frozen=True)
class Check:
    """One fan's due checkpoint for one release on one platform."""

    release: Release
    connection: PlatformConnection
    checkpoint: str
    follow: bool

    @property
    def key(self) -> str:
        c = self.connection
        return f"verify:{self.release.pk}:{c.fan_id}:{c.platform}:{self.checkpoint}"


@dataclass
class Report:
    checked: int = 0
    saved: int = 0
    missing: int = 0
    follows: int = 0
    failed: int = 0
    keys: list[str] = field(default_factory=list)


def can_read_follows(connection: PlatformConnection) -> bool:
    return registry.can_read(connection.platform, "artist", connection.scope_set)


def _latest_consents(fan_ids: Iterable[int], kind: str, release: Release) -> set[int]:
    """Fans whose ``kind`` consent for the release's artist is active (one query)."""
    rows = consents.active(kind, release.artist).filter(fan_id__in=list(fan_ids))
    return set(rows.values_list("fan_id", flat=True))


def _after(days: int) -> dt.timedelta:
    """A checkpoint's delay after release, scaled like flow waits (``steps.WAIT_SCALE``: the
    demo's days pass in minutes, and its checks with them)."""
    return dt.timedelta(days=days) * max(float(steps.WAIT_SCALE), 0.0)


def _due_releases(now: dt.datetime, days: int) -> Iterable[Release]:
    newest = (now - _after(days) + MARKET_SPREAD).date()
    oldest = (now - _after(days) - LATE_LIMIT - MARKET_SPREAD).date()
    return (
        Release.objects.filter(published=True, release_date__gte=oldest, release_date__lte=newest)
        .select_related("artist")
        .prefetch_related("platform_ids", "artist__platform_ids")
    )


def _release_checks(release: Release, checkpoint: str, days: int, now: dt.datetime) -> list[Check]:
    fan_ids = set(PreSave.objects.filter(release=release).values_list("fan_id", flat=True))
    fan_ids |= set(
        FanEvent.objects.filter(release=release, kind__in=SAVING_EVENTS).values_list(
            "fan_id", flat=True
        )
    )
    if not fan_ids:
        return []
    verifying = _latest_consents(fan_ids, ConsentKind.VERIFY, release)
    following = _latest_consents(verifying, ConsentKind.FOLLOW, release)
    connections = PlatformConnection.objects.filter(
        fan_id__in=verifying, status=ConnectionStatus.ACTIVE
    ).select_related("fan", "app")
    albums: dict[str, ItemRef | None] = {}
    checks = []
    for c in connections:
        if c.platform not in albums:
            albums[c.platform] = album_ref(release, c.platform)
        # Without the album's id on that platform there is nothing to check (yet).
        if albums[c.platform] is not None and has_capability(c, Capability.VERIFY):
            follow = c.fan_id in following and can_read_follows(c)
            checks.append(Check(release, c, checkpoint, follow))
    done = set(
        FanEvent.objects.filter(key__in=[c.key for c in checks]).values_list("key", flat=True)
    )
    due: list[Check] = []
    for check in checks:
        market = check.connection.country or check.connection.fan.country or None
        at = release.instant_for_market(market) + _after(days)
        if check.key not in done and at <= now <= at + LATE_LIMIT:
            due.append(check)
    return due


def due_checks(now: dt.datetime | None = None, limit: int = 500) -> list[Check]:
    """Checkpoints due now that have no result yet, at most ``limit``."""
    now = now or timezone.now()
    found: list[Check] = []
    for checkpoint, days in CHECKPOINTS:
        for release in _due_releases(now, days):
            found.extend(_release_checks(release, checkpoint, days, now))
            if len(found) >= limit:
                return found[:limit]
    return found


def _items(check: Check) -> list[ItemRef]:
    platform = check.connection.platform
    album = album_ref(check.release, platform)
    items = [album] if album else []
    artist = artist_ref(check.release, platform) if check.follow else None
    return items + ([artist] if artist else []) + _tracks(check.release, platform)


def _tracks(release: Release, platform: str) -> list[ItemRef]:
    """The release's tracks on ``platform``, unless fanloop saved them itself on release
    day (then a track in the library says nothing about the fan)."""
    state = ReleasePlatform.objects.filter(release=release, platform=platform).first()
    if state is None or state.include_tracks:
        return []
    return [ItemRef("track", str(t)) for t in state.track_ids]


def _events(
    check: Check, items: list[ItemRef], flags: list[bool], report: Report
) -> list[NewFanEvent]:
    c = check.connection
    common: dict[str, Any] = {
        "workspace_id": c.fan.workspace_id,
        "fan_id": c.fan_id,
        "artist_id": check.release.artist_id,
        "release_id": check.release.pk,
        "platform": c.platform,
        "data": {"checkpoint": check.checkpoint},
    }
    events: list[NewFanEvent] = []
    for item, present in zip(items, flags, strict=True):
        if item.kind == "album":
            kind = SAVED_KIND[check.checkpoint] if present else FanEventKind.SAVE_MISSING
            report.saved += int(present)
            report.missing += int(not present)
            # fanloop looked and found it kept; missing means the fan removed it.
            actor = Actor.FANLOOP if present else Actor.FAN
            events.append(NewFanEvent(kind=kind, key=check.key, actor=actor, **common))
        elif item.kind == "track":
            if present:
                c = check.connection
                key = f"verify-track:{check.release.pk}:{c.fan_id}:{c.platform}:{item.id}"
                track = {**common, "data": {"checkpoint": check.checkpoint, "track": item.id}}
                events.append(
                    NewFanEvent(kind=FanEventKind.TRACK_SAVED, key=key, actor=Actor.FAN, **track)
                )
        elif present:
            report.follows += 1
            key = f"{check.key}:follow"
            events.append(
                NewFanEvent(
                    kind=FanEventKind.FOLLOW_VERIFIED, key=key, actor=Actor.FANLOOP, **common
                )
            )
    return events


def _contains(items: list[ItemRef]) -> Callable[[Platform, Tokens], list[bool]]:
    return lambda adapter, tokens: adapter.contains(tokens, items)


def run_checks(checks: list[Check]) -> Report:
    """One ``contains`` call per check, paced per app; results recorded as fan events."""
    report = Report()
    permits: dict[int, Permits] = {}
    events: list[NewFanEvent] = []
    for check in checks:
        items = _items(check)
        if not items or items[0].kind != "album":
            continue
        connection = check.connection
        gate = permits.setdefault(connection.app_id, Permits(connection.app))
        try:
            gate.take(1)
            flags = call_with_tokens(connection, _contains(items))
        except errors.RateLimited as exc:
            gate.rate_limited(exc.retry_after)
            report.failed += 1
            continue
        except errors.PlatformError as exc:
            # AccessRevoked has marked the connection; others are retried next sweep.
            log.info("verification of %s failed: %s", check.key, exc)
            report.failed += 1
            continue
        report.checked += 1
        report.keys.append(check.key)
        events.extend(_events(check, items, flags, report))
    record_fan_events(events)
    return report


def verify_due(now: dt.datetime | None = None, limit: int | None = None) -> Report:
    """Find the due checkpoints (at most ``limit``) and check them."""
    return run_checks(due_checks(now, limit or BATCH))


# --- DBOS: the scheduled sweep ----------------------------------------------------------


@durable.step("verify_batch_step")
def verify_batch_step() -> int:
    """One batch of due checkpoints; returns how many were due."""
    checks = due_checks(limit=BATCH)
    run_checks(checks)
    return len(checks)


@DBOS.workflow(name="verification_sweep")
def verification_sweep(scheduled_at: dt.datetime, context: Any) -> None:
    """Check every due checkpoint, a batch per step (bounded: a few batches per run)."""
    for _ in range(20):
        if verify_batch_step() < BATCH:
            return


def schedules() -> list[ScheduleInput]:
    """The sweep's schedule; ``fanloop worker`` applies it once DBOS has launched."""
    return [
        {
            "schedule_name": SCHEDULE_NAME,
            "workflow_fn": verification_sweep,
            "schedule": VERIFY_SCHEDULE,
        }
    ]
