"""Writes of fan events (``FanEvent``): idempotent by key, one row per thing that happened.

Every producer passes a key naming the work that caused the event (for example
``delivery:<delivery id>:succeeded``), so a retried step or webhook records it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fanloop.analytics.models import FanEvent, FanEventKind


@dataclass(frozen=True)
class NewFanEvent:
    """A fan event as plain values, for bulk writes."""

    workspace_id: int
    fan_id: int
    kind: str
    key: str
    artist_id: int | None = None
    release_id: int | None = None
    platform: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def record_fan_event(
    fan: Any,
    kind: FanEventKind | str,
    *,
    key: str,
    artist: Any = None,
    release: Any = None,
    platform: str = "",
    data: dict[str, Any] | None = None,
) -> tuple[FanEvent, bool]:
    """Record one event for ``fan``; returns (event, created). Same key twice: one row."""
    kind = FanEventKind(kind)
    if release is not None and artist is None:
        artist = release.artist
    existing = FanEvent.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = FanEvent.objects.create(
                workspace_id=fan.workspace_id,
                fan=fan,
                kind=kind,
                artist=artist,
                release=release,
                platform=platform,
                data=data or {},
                key=key[:200],
                created=timezone.now(),
            )
    except IntegrityError:
        return FanEvent.objects.get(key=key[:200]), False
    return event, True


def record_fan_events(events: Iterable[NewFanEvent]) -> int:
    """Bulk insert; rows whose key already exists are skipped. Returns rows offered."""
    now = timezone.now()
    rows = [
        FanEvent(
            workspace_id=e.workspace_id,
            fan_id=e.fan_id,
            kind=FanEventKind(e.kind),
            key=e.key[:200],
            artist_id=e.artist_id,
            release_id=e.release_id,
            platform=e.platform,
            data=e.data,
            created=now,
        )
        for e in events
    ]
    if rows:
        FanEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)
