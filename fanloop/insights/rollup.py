"""The facts table (``ReleaseFacts``), kept up to date from the fan event log.

``catch_up`` reads the events after the high-water mark (``RollupMark``, the last
``FanEvent.id`` folded in), a batch at a time, and rebuilds the rows of the (fan, release)
pairs those events name from that pair's own events and pre-saves: the cost grows with the
new events, not with the history, and folding the same events twice gives the same rows
(idempotent). ``rebuild`` empties the table and the mark and catches up from the start
(``manage.py rollup --rebuild``). Plain ORM reads and writes: the same on SQLite and
PostgreSQL.

An event is folded only once it is ``SETTLE_SECONDS`` old and the mark never passes an
event that is not: on PostgreSQL a transaction may commit a lower id after a higher one,
and a mark that had moved past it would never see it.

Only the fan's own acts (``actor=fan``) count as engagement; what fanloop did for the fan
(the release-day save, a follow at delivery, a kept-save check) is kept in columns of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from fanloop.analytics.models import Actor, Event, EventKind, FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan, PreSave
from fanloop.flows.scoring import Weight, score_counts, weights_for
from fanloop.insights import leverage_results
from fanloop.insights.models import Kept, ReleaseFacts, RollupMark

MARK = "release-facts"
# Events folded per transaction: big enough that a catch-up of 100,000 events is a few
# dozen transactions, small enough that one holds no lock for long.
BATCH = 2000
# Events younger than this wait for the next catch-up (see the module docstring).
SETTLE_SECONDS = 5
RELEASE_WEEK = dt.timedelta(days=7)
# The fan's own acts that show engagement: opens are unreliable, a removal is not engaging.
ENGAGING_ACTS = frozenset(
    {
        FanEventKind.PRESAVED,
        FanEventKind.SAVED,
        FanEventKind.TRACK_SAVED,
        FanEventKind.FOLLOWED,
        FanEventKind.EMAIL_CLICKED,
        FanEventKind.EMAIL_SUBSCRIBED,
        FanEventKind.FOREVER_SAVE_OPTIN,
    }
)
CHECK_KINDS = {
    FanEventKind.SAVE_KEPT_7D: Kept.KEPT_7D,
    FanEventKind.SAVE_KEPT_30D: Kept.KEPT_30D,
    FanEventKind.SAVE_MISSING: Kept.REMOVED,
}
_EVENT_FIELDS = ("id", "fan_id", "release_id", "kind", "actor", "created")

Pair = tuple[int, int]  # (fan id, release id)
# One facts row: ``ReleaseFacts`` column (attribute name) → value, every column but the id.
FactRow = dict[str, Any]


class _PreSaveRow(NamedTuple):
    """The pre-save columns the facts copy (a model instance per pre-save cost more than
    computing its facts row)."""

    fan_id: int
    release_id: int
    utm_source: str
    utm_medium: str
    utm_campaign: str
    referrer_host: str
    country: str
    visitor_id: str
    platform: str
    created: dt.datetime


# The columns of a pre-save the facts copy, read as plain rows in ``_PreSaveRow``'s order.
_PRESAVE_FIELDS = _PreSaveRow._fields


@dataclass(frozen=True)
class CatchUp:
    """What one catch-up did: events folded, (fan, release) rows rebuilt, the mark after."""

    events: int
    pairs: int
    mark: int


def mark() -> RollupMark:
    return RollupMark.objects.get_or_create(name=MARK)[0]


def pending(settle_seconds: float = SETTLE_SECONDS) -> int:
    """How many settled events wait to be folded (the lag a page states)."""
    cutoff = timezone.now() - dt.timedelta(seconds=settle_seconds)
    return FanEvent.objects.filter(id__gt=mark().last_event_id, created__lte=cutoff).count()


def catch_up(*, settle_seconds: float = SETTLE_SECONDS, max_batches: int | None = None) -> CatchUp:
    """Fold every settled event after the mark (at most ``max_batches`` batches)."""
    events = pairs = batches = 0
    while max_batches is None or batches < max_batches:
        folded, rebuilt, done = _fold_batch(settle_seconds)
        events += folded
        pairs += rebuilt
        batches += 1
        if done:
            break
    return CatchUp(events, pairs, mark().last_event_id)


def _fold_batch(settle_seconds: float) -> tuple[int, int, bool]:
    """One batch: read and compute outside any transaction, then write the rows and move
    the mark in a short one, only if no other catch-up moved the mark meanwhile.

    On SQLite a write transaction holds the database's one write lock: a batch that read
    and computed inside it (about a second for 2,000 events) stalled every other writer,
    release-day delivery included, for the whole minute's catch-up. The rows built from a
    pair's events stay right when an event arrives between the read and the write: its id
    is past the mark, so a later batch rebuilds the pair again."""
    cutoff = timezone.now() - dt.timedelta(seconds=settle_seconds)
    start = mark().last_event_id
    rows = list(
        FanEvent.objects.filter(id__gt=start)
        .order_by("id")
        .values_list("id", "fan_id", "release_id", "created")[:BATCH]
    )
    settled = []
    for row in rows:
        if row[3] > cutoff:
            break
        settled.append(row)
    if not settled:
        return 0, 0, True
    touched = {(fan_id, release_id) for _, fan_id, release_id, _ in settled if release_id}
    rebuilt = _rebuild(touched)
    with transaction.atomic():
        # The row lock keeps two catch-ups (the worker's and a page's) from folding the
        # same batch at once on PostgreSQL; SQLite serialises writers anyway.
        RollupMark.objects.get_or_create(name=MARK)
        current = RollupMark.objects.select_for_update().get(name=MARK)
        if current.last_event_id != start:
            return 0, 0, False  # folded by another catch-up meanwhile: go on from its mark
        _store(rebuilt)
        current.last_event_id = settled[-1][0]
        current.save(update_fields=["last_event_id", "updated"])
    return len(settled), len(touched), len(settled) < len(rows) or len(rows) < BATCH


# Batches a reader (a page, an API call) folds before it reads (each ``BATCH`` events): the
# worker folds the rest every minute, and the reader states what is still waiting.
READ_CATCH_UP_BATCHES = 5


def catch_up_to_read() -> int:
    """Fold what the worker has not yet (bounded) before a read; the events still waiting."""
    catch_up(max_batches=READ_CATCH_UP_BATCHES)
    return pending()


def rebuild(*, settle_seconds: float = SETTLE_SECONDS) -> CatchUp:
    """Empty the facts and fold the whole event log again."""
    with transaction.atomic():
        ReleaseFacts.objects.all().delete()
        RollupMark.objects.filter(name=MARK).delete()
        leverage_results.changed_everywhere()
    return catch_up(settle_seconds=settle_seconds)


@dataclass(frozen=True)
class _Rebuilt:
    """The rows of some (fan, release) pairs, built from their events and pre-saves."""

    wanted: set[Pair]
    rows: list[FactRow]
    artist_ids: list[int]


def refresh(pairs: Iterable[Pair]) -> None:
    """Rebuild the rows of ``pairs`` from their events and pre-saves (in the caller's
    transaction, or in one of its own)."""
    wanted = set(pairs)
    if not wanted:
        return
    with transaction.atomic():
        _store(_rebuild(wanted))


def _rebuild(wanted: set[Pair]) -> _Rebuilt:
    """The rows of ``wanted``, read and computed (no writes)."""
    if not wanted:
        return _Rebuilt(wanted, [], [])
    fan_ids = sorted({fan for fan, _ in wanted})
    release_ids = sorted({release for _, release in wanted})
    events: dict[Pair, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        FanEvent.objects.filter(fan_id__in=fan_ids, release_id__in=release_ids)
        .order_by("created", "id")
        .values_list(*_EVENT_FIELDS)
    ):
        pair = (row[1], row[2])
        if pair in wanted:
            events[pair].append(row)
    presaves: dict[Pair, _PreSaveRow] = {}
    for row in (
        PreSave.objects.filter(fan_id__in=fan_ids, release_id__in=release_ids)
        .order_by("-created", "-pk")
        .values_list(*_PRESAVE_FIELDS)
    ):
        presave = _PreSaveRow(*row)
        presaves[(presave.fan_id, presave.release_id)] = presave  # the first one wins
    releases = {
        r.pk: r for r in Release.objects.filter(pk__in=release_ids).select_related("artist")
    }
    devices = _devices(presaves.values())
    weights = {ws: weights_for(ws) for ws in {r.artist.workspace_id for r in releases.values()}}
    week_starts = {pk: release.first_instant() for pk, release in releases.items()}
    rows = [
        _facts(
            pair,
            releases[pair[1]],
            week_starts[pair[1]],
            events.get(pair, []),
            presaves.get(pair),
            devices,
            weights[releases[pair[1]].artist.workspace_id],
        )
        for pair in sorted(wanted)
        if pair[1] in releases and (pair in events or pair in presaves)
    ]
    return _Rebuilt(wanted, rows, [r.artist_id for r in releases.values()])


def _store(rebuilt: _Rebuilt) -> None:
    """Replace the rows of ``rebuilt``'s pairs (in the caller's transaction)."""
    wanted = rebuilt.wanted
    if not wanted:
        return
    fan_ids = sorted({fan for fan, _ in wanted})
    release_ids = sorted({release for _, release in wanted})
    _delete_pairs(wanted, fan_ids, release_ids)
    _insert_facts(rebuilt.rows)
    leverage_results.changed(rebuilt.artist_ids)


_FACT_FIELDS = [f for f in ReleaseFacts._meta.concrete_fields if not f.primary_key]
_FACT_DATETIMES = frozenset(f.attname for f in _FACT_FIELDS if isinstance(f, models.DateTimeField))
# A facts row without a pre-save: the pre-save's columns at their model defaults.
_NO_PRESAVE: FactRow = {
    "utm_source": "",
    "utm_medium": "",
    "utm_campaign": "",
    "referrer_host": "",
    "country": "",
    "visitor_id": "",
    "device": "",
    "platform": "",
    "presaved_at": None,
}


def _insert_facts(rows: list[FactRow]) -> None:
    """Plain ``INSERT``s, 500 rows a statement, values adapted once: the ORM's per-field
    preparation in ``bulk_create`` cost more than building the rows (a catch-up rewrites
    every row its batch of events touches). Rows are plain dicts: a model instance per
    row cost a third of a catch-up (cProfile, 10,000 delivered fans)."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(ReleaseFacts._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in _FACT_FIELDS)
    marks = ", ".join(["%s"] * len(_FACT_FIELDS))
    # Names from the model only; every value goes as a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    names = [f.attname for f in _FACT_FIELDS]
    values = [
        tuple(
            ops.adapt_datetimefield_value(row[name]) if name in _FACT_DATETIMES else row[name]
            for name in names
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), 500):
            cursor.executemany(sql, values[start : start + 500])


def _delete_pairs(wanted: set[Pair], fan_ids: list[int], release_ids: list[int]) -> None:
    doomed = [
        pk
        for pk, fan, release in ReleaseFacts.objects.filter(
            fan_id__in=fan_ids, release_id__in=release_ids
        ).values_list("pk", "fan_id", "release_id")
        if (fan, release) in wanted
    ]
    for start in range(0, len(doomed), 500):
        ReleaseFacts.objects.filter(pk__in=doomed[start : start + 500]).delete()


def _devices(presaves: Iterable[_PreSaveRow]) -> dict[tuple[int, str], str]:
    """The device class of the page view each pre-save's visit made, by (release, visitor)."""
    by_release: dict[int, set[str]] = defaultdict(set)
    for presave in presaves:
        if presave.visitor_id:
            by_release[presave.release_id].add(presave.visitor_id)
    if not by_release:
        return {}
    condition = Q()
    for release_id, visitors in by_release.items():
        condition |= Q(release_id=release_id, visitor_id__in=sorted(visitors))
    return {
        (release_id, visitor): device
        for release_id, visitor, device in Event.objects.filter(condition, kind=EventKind.PAGE_VIEW)
        .order_by("pk")
        .values_list("release_id", "visitor_id", "device_class")
    }


def _facts(
    pair: Pair,
    release: Release,
    week_start: dt.datetime,
    events: list[tuple[Any, ...]],
    presave: _PreSaveRow | None,
    devices: dict[tuple[int, str], str],
    weights: Mapping[str, Weight],
) -> FactRow:
    """The facts row of ``pair`` (``week_start``: the release's first instant)."""
    fan_id, release_id = pair
    own: Counter[str] = Counter()
    by_fanloop: Counter[str] = Counter()
    kept = Kept.UNKNOWN
    first_act: dt.datetime | None = None
    week_act = False
    for _, _, _, kind, actor, created in events:
        if actor == Actor.FAN:
            own[kind] += 1
            if kind in ENGAGING_ACTS:
                first_act = created if first_act is None else min(first_act, created)
                week_act = week_act or week_start <= created < week_start + RELEASE_WEEK
        else:
            by_fanloop[kind] += 1
        if kind in CHECK_KINDS:  # events come oldest first: the latest check wins
            kept = CHECK_KINDS[FanEventKind(kind)]
    facts: FactRow = {
        "workspace_id": release.artist.workspace_id,
        "artist_id": release.artist_id,
        "release_id": release_id,
        "fan_id": fan_id,
        "delivered": by_fanloop[FanEventKind.DELIVERY_SUCCEEDED] > 0,
        "kept": str(kept),
        "tracks_saved": own[FanEventKind.TRACK_SAVED],
        "one_click_saves": own[FanEventKind.SAVED],
        "email_opens": own[FanEventKind.EMAIL_OPENED],
        "email_clicks": own[FanEventKind.EMAIL_CLICKED],
        "follows_by_fan": own[FanEventKind.FOLLOWED],
        "follows_at_delivery": by_fanloop[FanEventKind.FOLLOWED],
        "first_act_at": first_act,
        "release_week_act": week_act,
        "score": score_counts(own, weights),
    }
    if presave is None:
        facts.update(_NO_PRESAVE)
        return facts
    facts.update(
        utm_source=presave.utm_source,
        utm_medium=presave.utm_medium,
        utm_campaign=presave.utm_campaign,
        referrer_host=presave.referrer_host,
        country=presave.country,
        visitor_id=presave.visitor_id,
        device=devices.get((release_id, presave.visitor_id), ""),
        platform=presave.platform,
        presaved_at=presave.created,
    )
    return facts


def merge_fans(into: Fan, other: Fan) -> None:
    """Fan rights: ``other``'s events now belong to ``into``; rebuild ``into``'s rows."""
    facts = ReleaseFacts.objects.filter(fan=other)
    leverage_results.changed(facts.values_list("artist_id", flat=True).distinct())
    facts.delete()
    releases = set(
        FanEvent.objects.filter(fan=into, release__isnull=False).values_list(
            "release_id", flat=True
        )
    )
    refresh((into.pk, release) for release in releases)


def forget_fan(fan: Fan) -> None:
    """Fan rights: the fan's facts went with the fan; the workspace's stored leverage
    groups counted them."""
    leverage_results.changed_in_workspace(fan.workspace_id)
