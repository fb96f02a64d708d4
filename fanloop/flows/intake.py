"""The engine's reading of the fan event log: what each new ``FanEvent`` does to journeys.

Events are read in id order after a stored cursor (``EventCursor``), a chunk at a time, by
one worker at a time (a lease on the cursor row). For each event, in this order:

1. ``unsubscribed`` stops every open journey of the fan;
2. an open journey whose goal is this kind ends (GOAL);
3. a journey waiting for this kind wakes up (ACTIVE, due now);
4. every active flow whose current version has this trigger starts a journey, one per
   flow, fan and release (``Journey.key``): a fan never enters the same flow twice for
   the same release. A save or follow starts a flow only when the fan made it
   (``FanEvent.actor``); one fanloop made for the fan (a release-day save) does not, and
   neither reaches a goal nor wakes a wait of that kind (``by_the_fan``).

Events of a kind no flow of the workspace uses (``kinds_in_use``) are passed over.

An event matches a journey when it concerns the journey's release (release events) or its
artist (follows, opt-ins); an event that names neither matches every journey of the fan.

The chunk's journey changes and the cursor move commit together, and every change is
conditional on the journey's current state, so a chunk read twice changes nothing twice.
On PostgreSQL an id may become visible after a larger one (transactions commit out of
order): a gap in the ids holds the cursor back until the event after it is
``EVENT_SETTLE_SECONDS`` old.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.flows.models import (
    OPEN_JOURNEY_STATES,
    EventCursor,
    Flow,
    FlowStatus,
    FlowVersion,
    Journey,
    JourneyState,
    JourneyStep,
    StepOutcome,
)

CURSOR_NAME = "flows"
CHUNK = 1000
LEASE_SECONDS = 60
EVENT_SETTLE_SECONDS = 5
# Events about an artist rather than one release (a follow counts for every release).
ARTIST_KINDS = frozenset(
    {
        FanEventKind.FOLLOWED,
        FanEventKind.FOLLOW_VERIFIED,
        FanEventKind.FOREVER_SAVE_OPTIN,
        FanEventKind.NEW_RELEASE_DETECTED,
    }
)
_EVENT_FIELDS = (
    "id",
    "workspace_id",
    "fan_id",
    "kind",
    "artist_id",
    "release_id",
    "created",
    "actor",
)
# Kinds both the fan and fanloop perform: as triggers, only the fan's own count.
FAN_TRIGGERS = frozenset({FanEventKind.SAVED, FanEventKind.FOLLOWED})


@dataclass
class IntakeReport:
    events: int = 0
    started: int = 0
    woken: int = 0
    goals: int = 0
    stopped: int = 0

    def add(self, other: IntakeReport) -> None:
        for name in ("events", "started", "woken", "goals", "stopped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def consume_events(
    *, owner: str, now: dt.datetime | None = None, max_events: int = 20 * CHUNK
) -> IntakeReport:
    """Apply new fan events to journeys; returns what happened. Another worker holding the
    cursor's lease means nothing to do here (it is reading)."""
    report = IntakeReport()
    if _nothing_new() or not _take_lease(owner):
        return report
    try:
        while report.events < max_events:
            cursor = EventCursor.objects.get(name=CURSOR_NAME)
            rows = list(
                FanEvent.objects.filter(id__gt=cursor.last_id)
                .order_by("id")
                .values(*_EVENT_FIELDS, "release__artist_id")[:CHUNK]
            )
            ready = _settled(rows, cursor.last_id)
            if not ready:
                break
            with transaction.atomic():
                chunk = apply_events(ready, now=now or timezone.now())
                EventCursor.objects.filter(name=CURSOR_NAME, lease_owner=owner).update(
                    last_id=ready[-1]["id"]
                )
            report.add(chunk)
            if len(ready) < CHUNK:
                break
    finally:
        EventCursor.objects.filter(name=CURSOR_NAME, lease_owner=owner).update(
            lease_owner="", lease_until=None
        )
    return report


def _nothing_new() -> bool:
    """No event after the cursor: a tick with nothing to read takes no lease. Taking and
    giving back the lease are two writes a tick, every second of an idle worker's life
    (about 5 % of its CPU, py-spy); this read without the lease can only be stale by an
    event that the next tick reads."""
    last_id = EventCursor.objects.filter(name=CURSOR_NAME).values_list("last_id", flat=True).first()
    return last_id is not None and not FanEvent.objects.filter(id__gt=last_id).exists()


def _take_lease(owner: str) -> bool:
    now = timezone.now()
    EventCursor.objects.get_or_create(name=CURSOR_NAME)
    taken = (
        EventCursor.objects.filter(name=CURSOR_NAME)
        .filter(Q(lease_owner="") | Q(lease_owner=owner) | Q(lease_until__lt=now))
        .update(lease_owner=owner, lease_until=now + dt.timedelta(seconds=LEASE_SECONDS))
    )
    return taken == 1


def _settled(rows: list[dict[str, Any]], last_id: int) -> list[dict[str, Any]]:
    """The rows safe to consume: on PostgreSQL, stop at a recent gap in the ids."""
    if connection.vendor != "postgresql" or not rows:
        return rows
    settle_before = timezone.now() - dt.timedelta(seconds=EVENT_SETTLE_SECONDS)
    expected = last_id + 1 if last_id else rows[0]["id"]
    for index, row in enumerate(rows):
        if row["id"] != expected and row["created"] > settle_before:
            return rows[:index]
        expected = row["id"] + 1
    return rows


def _artist_of_event(row: dict[str, Any]) -> int | None:
    return row["artist_id"] or row["release__artist_id"]


def _artist_of_journey(journey: Journey) -> int | None:
    if journey.release is not None:
        return journey.release.artist_id
    return journey.flow.artist_id


def matches(journey: Journey, row: dict[str, Any]) -> bool:
    """Whether the event concerns this journey (same release, or same artist)."""
    event_artist = _artist_of_event(row)
    journey_artist = _artist_of_journey(journey)
    if row["kind"] not in ARTIST_KINDS and row["release_id"] and journey.release_id:
        return bool(row["release_id"] == journey.release_id)
    if event_artist and journey_artist:
        return bool(event_artist == journey_artist)
    return True


def _step_id(journey: Journey) -> str:
    steps = journey.version.steps
    if journey.step_index < len(steps):
        return str(steps[journey.step_index].get("id", journey.step_index))
    return "end"


def end_journey(
    journey: Journey, state: JourneyState, detail: str, now: dt.datetime
) -> JourneyStep | None:
    """Close an open journey (conditional on it still being open); the LEFT log row to
    write, or None when it had already closed."""
    closed = Journey.objects.filter(pk=journey.pk, state__in=OPEN_JOURNEY_STATES).update(
        state=state, finished=now, claimed_by="", claimed_at=None, due_at=None, updated=now
    )
    if not closed:
        return None
    journey.state = state
    return JourneyStep(
        journey_id=journey.pk,
        version_id=journey.version_id,
        step_index=journey.step_index,
        step_id=_step_id(journey),
        outcome=StepOutcome.LEFT,
        detail=detail[:300],
        created=now,
    )


def kinds_in_use(workspace_ids: set[int]) -> set[str]:
    """The event kinds that can do anything to the workspaces' journeys: ``unsubscribed``,
    and every trigger, goal and awaited event of their flows' versions (old versions
    too: journeys stay on the version they started on). An email sent, say, usually
    matters to no flow, and its event is passed over without reading any journey."""
    kinds = {FanEventKind.UNSUBSCRIBED.value}
    versions = FlowVersion.objects.filter(flow__workspace_id__in=workspace_ids)
    for trigger, goal, steps in versions.values_list("trigger", "goal", "steps"):
        kinds.update({trigger, goal} - {""})
        kinds.update(
            str(step["event"]) for step in steps if step.get("type") == "wait" and "event" in step
        )
    return kinds


def apply_events(rows: list[dict[str, Any]], *, now: dt.datetime) -> IntakeReport:
    """Apply a chunk of events (dicts of ``_EVENT_FIELDS`` + ``release__artist_id``)."""
    report = IntakeReport(events=len(rows))
    kinds = kinds_in_use({row["workspace_id"] for row in rows})
    rows = [row for row in rows if row["kind"] in kinds]
    if not rows:
        return report
    open_by_fan: dict[int, list[Journey]] = defaultdict(list)
    journeys = Journey.objects.filter(
        fan_id__in={row["fan_id"] for row in rows}, state__in=OPEN_JOURNEY_STATES
    ).select_related("version", "flow", "release")
    for journey in journeys:
        open_by_fan[journey.fan_id].append(journey)
    logs: list[JourneyStep] = []
    for row in rows:
        if open_by_fan.get(row["fan_id"]):
            _apply_to_open(row, open_by_fan[row["fan_id"]], now, logs, report)
    if logs:
        JourneyStep.objects.bulk_create(logs)
    report.started = _start_journeys(rows, now)
    return report


def by_the_fan(row: dict[str, Any]) -> bool:
    """Whether a save or follow event may start, end or wake a journey: only the fan's own
    (fanloop's release-day save or a follow made at delivery is not the fan's act)."""
    return row["kind"] not in FAN_TRIGGERS or row.get("actor", Actor.FAN) == Actor.FAN


def _apply_to_open(
    row: dict[str, Any],
    journeys: list[Journey],
    now: dt.datetime,
    logs: list[JourneyStep],
    report: IntakeReport,
) -> None:
    kind = row["kind"]
    label = FanEventKind(kind).label.lower()
    for journey in journeys:
        if journey.state not in OPEN_JOURNEY_STATES:
            continue
        if kind == FanEventKind.UNSUBSCRIBED:
            log = end_journey(journey, JourneyState.STOPPED, "the fan unsubscribed", now)
            report.stopped += log is not None
        elif not by_the_fan(row):
            continue
        elif journey.version.goal == kind and matches(journey, row):
            log = end_journey(journey, JourneyState.GOAL, f"goal reached: {label}", now)
            report.goals += log is not None
        elif (
            journey.state == JourneyState.WAITING
            and journey.wait_event == kind
            and matches(journey, row)
        ):
            woken = Journey.objects.filter(
                pk=journey.pk, state=JourneyState.WAITING, wait_event=kind
            ).update(state=JourneyState.ACTIVE, wait_event="", due_at=now, updated=now)
            if woken:
                journey.state, journey.wait_event = JourneyState.ACTIVE, ""
                report.woken += 1
            continue
        else:
            continue
        if log is not None:
            logs.append(log)


def _start_journeys(rows: list[dict[str, Any]], now: dt.datetime) -> int:
    triggers = {row["kind"] for row in rows}
    workspaces = {row["workspace_id"] for row in rows}
    flows = Flow.objects.filter(
        workspace_id__in=workspaces,
        status=FlowStatus.ACTIVE,
        current_version__trigger__in=triggers,
    ).select_related("current_version")
    by_trigger: dict[tuple[int, str], list[Flow]] = defaultdict(list)
    for flow in flows:
        assert flow.current_version is not None
        by_trigger[(flow.workspace_id, flow.current_version.trigger)].append(flow)
    new: dict[str, Journey] = {}
    for row in rows:
        if not by_the_fan(row):
            continue
        for flow in by_trigger.get((row["workspace_id"], row["kind"]), []):
            version = flow.current_version
            assert version is not None
            if flow.artist_id and flow.artist_id != _artist_of_event(row):
                continue
            if version.trigger_release_id and version.trigger_release_id != row["release_id"]:
                continue
            key = f"{flow.pk}:{row['fan_id']}:{row['release_id'] or '-'}"
            if key in new:
                continue
            new[key] = Journey(
                version=version,
                flow=flow,
                fan_id=row["fan_id"],
                release_id=row["release_id"],
                trigger_event_id=row["id"],
                key=key,
                state=JourneyState.ACTIVE,
                step_index=0,
                due_at=now,
                started=now,
            )
    if not new:
        return 0
    existing = set(Journey.objects.filter(key__in=list(new)).values_list("key", flat=True))
    fresh = [journey for key, journey in new.items() if key not in existing]
    Journey.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
    return len(fresh)
