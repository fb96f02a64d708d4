"""Helpers of the engine tests: flows built through the services, fans with consent, fan
events, and running the engine synchronously at a given time."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import FanEvent
from fanloop.catalog.models import Artist, Release
from fanloop.fans import consent_log
from fanloop.fans.models import Fan
from fanloop.flows import engine, services
from fanloop.flows.models import Flow, Journey, JourneyStep

_keys = itertools.count(1)


def make_flow(
    workspace: Workspace,
    steps: list[dict[str, Any]],
    *,
    trigger: str = "presaved",
    goal: str = "",
    artist: Artist | None = None,
    trigger_release: Release | None = None,
    active: bool = True,
    name: str = "Test flow",
) -> Flow:
    flow = services.create_flow(
        workspace,
        name=name,
        trigger=trigger,
        steps=steps,
        goal=goal,
        artist=artist,
        trigger_release=trigger_release,
    )
    if active:
        services.activate(flow)
        flow.refresh_from_db()
    return flow


def subscribed_fan(workspace: Workspace, email: str = "fan@example.org", **fields: Any) -> Fan:
    """A fan with a confirmed email consent (workspace-wide)."""
    fan = Fan.objects.create(workspace=workspace, email=email, **fields)
    consent_log.record_consent(fan, "email", True, page="test", confirmed=True)
    return fan


def event(
    fan: Fan, kind: str, *, release: Release | None = None, actor: str = "fan", **kw: Any
) -> FanEvent:
    created, _ = record_fan_event(
        fan, kind, key=f"test:{kind}:{next(_keys)}", actor=actor, release=release, **kw
    )
    return created


def run(at: dt.datetime | None = None) -> dict[str, int]:
    """Run the engine until idle, with the clock at ``at`` (default: now)."""
    if at is None:
        return engine.run_until_idle()
    with time_machine.travel(at, tick=False):
        return engine.run_until_idle()


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with time_machine.travel(at, tick=False):
        yield


def later(**delta: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def journey_of(fan: Fan, flow: Flow) -> Journey:
    return Journey.objects.get(fan=fan, flow=flow)


def log_of(journey: Journey) -> list[tuple[str, str]]:
    """(step id, outcome) of the journey's step log, oldest first (ENTERED rows left out)."""
    return [
        (row.step_id, row.outcome)
        for row in JourneyStep.objects.filter(journey=journey).order_by("pk")
        if row.outcome != "entered"
    ]
