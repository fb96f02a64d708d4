"""The default flow: created (active) with every workspace, warning-free, and the whole
progression from pre-save to follow prompt and the follow goal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.accounts.services import create_workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.flows.defaults import create_default_flow
from fanloop.flows.models import Flow, FlowStatus, Journey, JourneyState
from fanloop.flows.steps import validate_steps
from fanloop.flows.warnings import flow_warnings, templates_for
from fanloop.messaging.models import EmailTemplate

from .engine_helpers import event, journey_of, log_of, run, subscribed_fan

pytestmark = pytest.mark.django_db


def test_every_new_workspace_gets_the_active_default_flow() -> None:
    owner = User.objects.create_user("new@example.org", "pw-123456789")
    workspace = create_workspace("Fresh Label", owner)
    flow = Flow.objects.get(workspace=workspace)
    assert (flow.is_default, flow.status, flow.dry_run) == (True, FlowStatus.ACTIVE, False)
    version = flow.current_version
    assert version is not None
    assert (version.number, version.trigger, version.goal) == (1, "presaved", "followed")
    assert validate_steps(version.steps, workspace=workspace) == version.steps
    assert [s["id"] for s in version.steps] == [
        "release-live",
        "its-out",
        "wait-2d",
        "not-saved",
        "save-prompt",
        "wait-3d",
        "engaged",
        "not-following",
        "follow-prompt",
    ]
    templates = templates_for(workspace.pk, version.steps)
    assert len(templates) == 3 and EmailTemplate.objects.filter(workspace=workspace).count() == 3
    assert flow_warnings(version.trigger, version.steps, templates) == []
    assert create_default_flow(workspace) == flow  # idempotent
    assert Flow.objects.filter(workspace=workspace).count() == 1


def test_the_progression_end_to_end(settings: Any, workspace: Workspace, release: Release) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_QUIET_HOURS = ""
    flow = Flow.objects.get(workspace=workspace, is_default=True)
    start = timezone.now().replace(microsecond=0)
    engaged = subscribed_fan(workspace, email="engaged@example.org", display_name="Kim Lee")
    saver = subscribed_fan(workspace, email="saver@example.org")
    for fan in (engaged, saver):
        event(fan, FanEventKind.PRESAVED, release=release)
    run(start)
    assert {j.state for j in Journey.objects.filter(flow=flow)} == {JourneyState.WAITING}
    assert mail.outbox == []

    for fan in (engaged, saver):
        event(fan, FanEventKind.RELEASE_LIVE, release=release)
    run(start + dt.timedelta(minutes=1))
    assert sorted(m.subject for m in mail.outbox) == ["Midnight Signal is out now"] * 2
    assert "Hi Kim," in next(m.body for m in mail.outbox if m.to == ["engaged@example.org"])

    event(saver, FanEventKind.SAVE_VERIFIED, release=release)
    event(saver, FanEventKind.EMAIL_OPENED, release=release)
    mail.outbox.clear()
    run(start + dt.timedelta(days=2, minutes=2))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["engaged@example.org"], "Keep Midnight Signal in your library")
    ]
    save_link = mail.outbox[0].body
    assert "/a/" in save_link or "/c/" in save_link  # the signed (tracked) one-click link

    event(engaged, FanEventKind.EMAIL_CLICKED, release=release)
    mail.outbox.clear()
    run(start + dt.timedelta(days=5, minutes=3))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["engaged@example.org"], "Hear Nova Lights's next release first"),
        (["saver@example.org"], "Hear Nova Lights's next release first"),
    ]
    saver_log = log_of(journey_of(saver, flow))
    assert ("save-prompt", "skipped") in saver_log
    assert ("follow-prompt", "passed") in saver_log
    assert journey_of(engaged, flow).state == JourneyState.COMPLETED

    event(engaged, FanEventKind.FOLLOWED, artist=release.artist)
    run(start + dt.timedelta(days=5, minutes=4))
    assert journey_of(engaged, flow).state == JourneyState.COMPLETED  # already done


def test_the_follow_goal_ends_the_journey_and_unengaged_fans_leave(
    settings: Any, workspace: Workspace, release: Release
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_QUIET_HOURS = ""
    flow = Flow.objects.get(workspace=workspace, is_default=True)
    start = timezone.now().replace(microsecond=0)
    follower = subscribed_fan(workspace, email="follows@example.org")
    quiet = subscribed_fan(workspace, email="quiet@example.org")
    for fan in (follower, quiet):
        event(fan, FanEventKind.PRESAVED, release=release)
        event(fan, FanEventKind.RELEASE_LIVE, release=release)
    run(start)
    event(follower, FanEventKind.FOLLOWED, artist=release.artist)
    run(start + dt.timedelta(minutes=1))
    assert journey_of(follower, flow).state == JourneyState.GOAL
    run(start + dt.timedelta(days=2, minutes=2))
    run(start + dt.timedelta(days=5, minutes=3))
    journey = journey_of(quiet, flow)
    assert journey.state == JourneyState.EXITED
    assert log_of(journey)[-1] == ("engaged", "left")
    assert [m.to for m in mail.outbox].count(["quiet@example.org"]) == 2  # out + save prompt
