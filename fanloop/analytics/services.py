"""Writes of the event log: events, dropped-hit counters and the daily salts.

Called by the write-behind buffer (``buffer.py``) and directly by tests.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from fanloop.analytics.models import DailySalt, DroppedHit, Event
from fanloop.catalog.models import Release

# Salts are read on every hit: keep the current day's in memory. Only a day's
# salt is cached, so when a day rolls over the old one is forgotten here too.
_salt_lock = threading.Lock()
_salt_cache: dict[dt.date, str] = {}

DropKey = tuple[dt.date, int, str]  # (day, release id, reason)


class EventRow(NamedTuple):
    """One ``Event`` as plain values, in column order: cheap to build on every page view."""

    kind: str
    workspace_id: int
    artist_id: int
    release_id: int
    platform: str
    visitor_id: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    referrer_host: str
    device_class: str
    country: str
    created: dt.datetime


def salt_for(day: dt.date) -> str:
    """The salt of ``day``, created on first use; salts older than yesterday are deleted."""
    cached = _salt_cache.get(day)  # a dict read is atomic: no lock on the hot path
    if cached is not None:
        return cached
    salt = _load_or_create_salt(day)
    with _salt_lock:
        _salt_cache.clear()
        _salt_cache[day] = salt
    return salt


def _load_or_create_salt(day: dt.date) -> str:
    row = DailySalt.objects.filter(day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = DailySalt.objects.create(day=day, salt=secrets.token_hex(32))
        except IntegrityError:  # another process created it first: use theirs
            row = DailySalt.objects.get(day=day)
        # Without the old salts nobody, us included, can link ids across days.
        DailySalt.objects.filter(day__lt=day - dt.timedelta(days=1)).delete()
    return row.salt


def forget_cached_salts() -> None:
    with _salt_lock:
        _salt_cache.clear()


@transaction.atomic
def save_hits(rows: Iterable[EventRow], drops: Mapping[DropKey, int]) -> int:
    """Store kept events and add dropped hits to their per-day counters, all or nothing.

    Hits of releases deleted since they were buffered are skipped. Returns the
    number of events stored.
    """
    rows = list(rows)
    wanted = {r.release_id for r in rows} | {key[1] for key in drops}
    alive = set(Release.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    kept = [r for r in rows if r.release_id in alive]
    _insert_events(kept)
    for (day, release_id, reason), count in sorted(drops.items()):
        if release_id in alive:
            _add_dropped(day, release_id, reason, count)
    return len(kept)


# Rows per INSERT: 500 x 15 columns stays under every backend's parameter limit.
INSERT_BATCH = 500


def _insert_events(rows: list[EventRow]) -> None:
    # Plain tuples, many rows per INSERT statement. An Event instance per row
    # would cost more than the rest of the page view (~20 µs each), and one
    # statement per row (executemany) makes this thread give up and wait for the
    # GIL once per row while request threads are busy: measured as a third of
    # the page's throughput under load.
    if not rows:
        return
    ops = connection.ops
    column_of = {f.attname: f.column for f in Event._meta.concrete_fields}
    columns = ", ".join(ops.quote_name(column_of[name]) for name in EventRow._fields)
    group = "(" + ", ".join(["%s"] * len(EventRow._fields)) + ")"
    table = ops.quote_name(Event._meta.db_table)
    adapt = ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            params: list[Any] = [
                value for row in batch for value in (*row[:-1], adapt(row.created))
            ]
            values = ", ".join([group] * len(batch))
            # Table and column names come from the model, never from input.
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608


def _add_dropped(day: dt.date, release_id: int, reason: str, count: int) -> None:
    keys = {"day": day, "release_id": release_id, "reason": reason}
    if DroppedHit.objects.filter(**keys).update(count=F("count") + count):
        return
    try:
        with transaction.atomic():
            DroppedHit.objects.create(count=count, **keys)
    except IntegrityError:  # created meanwhile by another process
        DroppedHit.objects.filter(**keys).update(count=F("count") + count)
