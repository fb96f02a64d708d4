"""Writes of growth flows: create, version, activate, pause, resume, stop, dry run.

A flow starts as a draft with version 1. ``new_version`` never rewrites a version: it adds
the next one and makes it current, and journeys already running stay on theirs. Only an
active flow starts journeys; a paused flow keeps its journeys where they are (the engine
skips them until it is resumed); stopping ends every open journey.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan
from fanloop.flows.intake import end_journey
from fanloop.flows.models import (
    OPEN_JOURNEY_STATES,
    BroadcastRecipient,
    FanTag,
    Flow,
    FlowStatus,
    FlowVersion,
    Journey,
    JourneyState,
    JourneyStep,
    SegmentMember,
)
from fanloop.flows.steps import GOALS, TRIGGERS, validate_steps
from fanloop.messaging.models import EmailTemplate

STOP_CHUNK = 1000


def _check_definition(
    workspace: Workspace,
    *,
    trigger: str,
    goal: str,
    artist: Artist | None,
    trigger_release: Release | None,
) -> None:
    errors: dict[str, str] = {}
    if trigger not in TRIGGERS:
        errors["trigger"] = f"Unknown trigger {trigger!r}."
    if goal and goal not in GOALS:
        errors["goal"] = f"Unknown goal {goal!r}."
    if artist is not None and artist.workspace_id != workspace.pk:
        errors["artist"] = "This artist belongs to another workspace."
    if trigger_release is not None:
        if trigger_release.artist.workspace_id != workspace.pk:
            errors["trigger_release"] = "This release belongs to another workspace."
        elif artist is not None and trigger_release.artist_id != artist.pk:
            errors["trigger_release"] = "This release is not one of the flow's artist."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_flow(
    workspace: Workspace,
    *,
    name: str,
    trigger: str,
    steps: list[dict[str, Any]],
    goal: str = "",
    artist: Artist | None = None,
    trigger_release: Release | None = None,
    user: Any = None,
) -> Flow:
    """A draft flow with version 1; ValidationError for a bad definition."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the flow a name."})
    _check_definition(
        workspace, trigger=trigger, goal=goal, artist=artist, trigger_release=trigger_release
    )
    steps = validate_steps(steps, workspace=workspace)
    flow = Flow.objects.create(workspace=workspace, artist=artist, name=name[:120])
    _add_version(flow, 1, trigger, steps, goal, trigger_release, user)
    return flow


def _add_version(
    flow: Flow,
    number: int,
    trigger: str,
    steps: list[dict[str, Any]],
    goal: str,
    trigger_release: Release | None,
    user: Any,
) -> FlowVersion:
    """Write version ``number`` (already validated) and make it the flow's current one."""
    version = FlowVersion.objects.create(
        flow=flow,
        number=number,
        trigger=trigger,
        trigger_release=trigger_release,
        steps=steps,
        goal=goal,
        created_by=user if getattr(user, "pk", None) else None,
    )
    flow.current_version = version
    flow.save(update_fields=["current_version", "updated"])
    return version


@transaction.atomic
def new_version(
    flow: Flow,
    *,
    trigger: str,
    steps: list[dict[str, Any]],
    goal: str,
    trigger_release: Release | None = None,
    user: Any = None,
) -> FlowVersion:
    """Add the next version and make it current; running journeys keep their version."""
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    _check_definition(
        flow.workspace,
        trigger=trigger,
        goal=goal,
        artist=flow.artist,
        trigger_release=trigger_release,
    )
    steps = validate_steps(steps, workspace=flow.workspace)
    number = (flow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return _add_version(flow, number, trigger, steps, goal, trigger_release, user)


def _set_status(flow: Flow, status: FlowStatus, allowed_from: tuple[FlowStatus, ...]) -> Flow:
    if flow.status not in allowed_from:
        raise ValidationError(
            f"A {flow.get_status_display().lower()} flow cannot be made {status.label.lower()}."
        )
    flow.status = status
    flow.save(update_fields=["status", "updated"])
    return flow


@transaction.atomic
def activate(flow: Flow) -> Flow:
    """Start the flow: from now on its trigger starts journeys on the current version."""
    flow = (
        Flow.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=flow.pk)
    )
    if flow.current_version is None or not flow.current_version.steps:
        raise ValidationError("Add at least one step before activating the flow.")
    return _set_status(
        flow, FlowStatus.ACTIVE, (FlowStatus.DRAFT, FlowStatus.PAUSED, FlowStatus.STOPPED)
    )


@transaction.atomic
def pause(flow: Flow) -> Flow:
    """No new journeys, and running ones wait where they are until ``resume``."""
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    return _set_status(flow, FlowStatus.PAUSED, (FlowStatus.ACTIVE,))


@transaction.atomic
def resume(flow: Flow) -> Flow:
    """Go on: journeys whose wait ended during the pause run at the next tick."""
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    return _set_status(flow, FlowStatus.ACTIVE, (FlowStatus.PAUSED,))


def stop(flow: Flow, *, now: dt.datetime | None = None) -> int:
    """Stop the flow and end every open journey (STOPPED); returns how many ended."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Flow.objects.select_for_update().get(pk=flow.pk)
        _set_status(locked, FlowStatus.STOPPED, (FlowStatus.ACTIVE, FlowStatus.PAUSED))
    flow.status = FlowStatus.STOPPED
    ended = 0
    while True:
        journeys = list(
            Journey.objects.filter(flow_id=flow.pk, state__in=OPEN_JOURNEY_STATES).select_related(
                "version"
            )[:STOP_CHUNK]
        )
        if not journeys:
            return ended
        with transaction.atomic():
            logs = [
                row
                for journey in journeys
                if (row := end_journey(journey, JourneyState.STOPPED, "the flow was stopped", now))
            ]
            JourneyStep.objects.bulk_create(logs)
        ended += len(logs)


def set_dry_run(flow: Flow, dry_run: bool) -> Flow:
    """Dry run: journeys advance and log, but no email, platform write or webhook happens."""
    flow.dry_run = dry_run
    flow.save(update_fields=["dry_run", "updated"])
    return flow


def move_fan_rows(*, into: Fan, other: Fan) -> None:
    """``merge_fans``: ``other``'s tags, journeys, tracked segment memberships and
    broadcast places become ``into``'s. A journey of a flow and release ``into`` already
    has (or a segment or broadcast it is already in) stays with ``other`` (and is deleted
    with it)."""
    member_of = SegmentMember.objects.filter(fan=into).values("segment_id")
    SegmentMember.objects.filter(fan=other).exclude(segment_id__in=member_of).update(fan=into)
    sent_to = BroadcastRecipient.objects.filter(fan=into).values("broadcast_id")
    BroadcastRecipient.objects.filter(fan=other).exclude(broadcast_id__in=sent_to).update(fan=into)
    have = set(FanTag.objects.filter(fan=into).values_list("tag", flat=True))
    FanTag.objects.filter(fan=other).exclude(tag__in=have).update(fan=into)
    taken = set(Journey.objects.filter(fan=into).values_list("key", flat=True))
    for journey in Journey.objects.filter(fan=other):
        key = f"{journey.flow_id}:{into.pk}:{journey.release_id or '-'}"
        if key not in taken:
            Journey.objects.filter(pk=journey.pk).update(fan=into, key=key)
            taken.add(key)


def fan_export(fan: Fan) -> dict[str, Any]:
    """What ``export_fan`` includes from flows: the fan's tags, flow journeys and the
    broadcasts the fan was in the audience of."""
    journeys = Journey.objects.filter(fan=fan).select_related("flow", "release").order_by("pk")
    places = BroadcastRecipient.objects.filter(fan=fan).select_related("broadcast", "message")
    return {
        "broadcasts": [
            {
                "broadcast": place.broadcast.name,
                "started": place.broadcast.started_at.isoformat()
                if place.broadcast.started_at
                else None,
                "email": place.message.status if place.message else None,
            }
            for place in places.order_by("pk")
        ],
        "tags": sorted(FanTag.objects.filter(fan=fan).values_list("tag", flat=True)),
        "flows": [
            {
                "flow": journey.flow.name,
                "release": journey.release.title if journey.release else None,
                "state": journey.state,
                "started": journey.started.isoformat(),
                "finished": journey.finished.isoformat() if journey.finished else None,
            }
            for journey in journeys
        ],
    }


def flows_sending(template: EmailTemplate) -> list[str]:
    """Names of the flows (not stopped) whose versions send ``template``: what stops its
    deletion (registered with ``messaging.email_templates`` when the app loads)."""
    names: set[str] = set()
    versions = FlowVersion.objects.filter(flow__workspace_id=template.workspace_id).exclude(
        flow__status=FlowStatus.STOPPED
    )
    for name, steps in versions.values_list("flow__name", "steps"):
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and step.get("type") == "email":
                if str(step.get("template")) == str(template.pk):
                    names.add(name)
    return sorted(names)
