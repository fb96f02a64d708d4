"""Writes of fan events (``FanEvent``): idempotent by key, one row per thing that happened.

Every producer passes a key naming the work that caused the event (for example
``delivery:<delivery id>:succeeded``), so a retried step or webhook records it once, and
the actor: ``fan`` when the fan did it (pre-save, one-click save, click, follow by click),
``fanloop`` when fanloop did it for the fan (release-day delivery, forever save, a flow's
API step, a check, a sent email). There is no default: who acted is the writer's call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fanloop.analytics.models import Actor, FanEvent, FanEventKind


@dataclass(frozen=True)
class NewFanEvent:
    """A fan event as plain values, for bulk writes."""

    workspace_id: int
    fan_id: int
    kind: str
    key: str
    actor: str
    artist_id: int | None = None
    release_id: int | None = None
    platform: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def record_fan_event(
    fan: Any,
    kind: FanEventKind | str,
    *,
    key: str,
    actor: Actor | str,
    artist: Any = None,
    release: Any = None,
    platform: str = "",
    data: dict[str, Any] | None = None,
) -> tuple[FanEvent, bool]:
    """Record one event for ``fan``; returns (event, created). Same key twice: one row."""
    kind = FanEventKind(kind)
    actor = Actor(actor)
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
                actor=actor,
                data=data or {},
                key=key[:200],
                created=timezone.now(),
            )
    except IntegrityError:
        return FanEvent.objects.get(key=key[:200]), False
    return event, True


# The columns of a fan event row as the bulk writes insert them (``event_values``).
EVENT_COLUMNS = (
    "workspace_id", "fan_id", "kind", "key", "artist_id", "release_id", "platform", "actor",
    "data", "created",
)  # fmt: skip
_COLUMNS = f"INSERT INTO analytics_fanevent ({', '.join(EVENT_COLUMNS)}) VALUES "  # noqa: S608
_ROW = f"({', '.join(['%s'] * len(EVENT_COLUMNS))})"
_CONFLICT = " ON CONFLICT (key) DO NOTHING"


def event_values(event: NewFanEvent, created: Any) -> tuple[Any, ...]:
    """``event``'s row in ``EVENT_COLUMNS`` order, adapted for the database (``created``:
    the creation time, adapted already)."""
    return (
        event.workspace_id,
        event.fan_id,
        FanEventKind(event.kind).value,
        event.key[:200],
        event.artist_id,
        event.release_id,
        event.platform,
        Actor(event.actor).value,
        connection.ops.adapt_json_value(event.data, None),
        created,
    )


def insert_statement(
    events: Sequence[NewFanEvent], *, at: dt.datetime | None = None
) -> tuple[str, list[Any]]:
    """The one ``INSERT … ON CONFLICT (key) DO NOTHING`` of ``record_fan_events`` for
    ``events`` (one or more), as SQL and parameters, for a caller that sends it as part of
    a statement of its own (a data-modifying ``WITH`` on PostgreSQL)."""
    return _statement(_rows(events, at))


def insert_statements(
    events: Sequence[NewFanEvent], *, at: dt.datetime | None = None
) -> list[tuple[str, list[Any]]]:
    """The statements of ``record_fan_events`` (one per 500 rows), for a caller that builds
    them before its transaction begins."""
    rows = _rows(events, at)
    return [_statement(rows[start : start + 500]) for start in range(0, len(rows), 500)]


def _statement(rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    sql = _COLUMNS + ", ".join([_ROW] * len(rows)) + _CONFLICT
    return sql, [value for row in rows for value in row]


def _rows(events: Iterable[NewFanEvent], at: dt.datetime | None) -> list[tuple[Any, ...]]:
    now = connection.ops.adapt_datetimefield_value(at or timezone.now())
    return [event_values(e, now) for e in events]


def record_fan_events(events: Iterable[NewFanEvent], *, at: dt.datetime | None = None) -> int:
    """Bulk insert; rows whose key already exists are skipped. Returns rows offered.
    ``at`` dates the events when they happened before now (an import, a history).

    One ``INSERT … ON CONFLICT (key) DO NOTHING`` of up to 500 rows with values adapted
    once: release day writes a few events per fan, and the ORM's per-field preparation of
    ``bulk_create`` cost more than the delivery's own bookkeeping. Inside a caller's
    transaction (a delivery's or an email's outcome, once per fan) no savepoint: two
    statements more per outcome, and no caller goes on after a failed insert. One
    statement, not ``executemany``: SQLite steps (and gives the GIL away) once per row of
    an ``executemany``, while the caller holds the database's write lock.
    """
    events = list(events)
    statements = insert_statements(events, at=at)  # bad values fail here, before writing
    if not statements:
        return 0
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(*statement)
    return len(events)
