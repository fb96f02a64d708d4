"""The default flow: created (active) with every workspace, warning-free, and the whole
progression from pre-save to follow prompt and the follow goal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release, Track
from fanloop.fans.models import PlatformConnection, PreSave
from fanloop.flows.defaults import create_default_flow
from fanloop.flows.models import Flow, FlowStatus, JourneyState
from fanloop.flows.steps import validate_steps
from fanloop.flows.warnings import flow_warnings, templates_for
from fanloop.flows.workspaces import create_workspace
from fanloop.fulfillment.models import ReleasePlatform
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.app_factories import apple_app, spotify_app

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
        "can-save",
        "not-in-library",
        "save-prompt",
        "in-library",
        "tracks-known",
        "track-prompt",
        "wait-3d",
        "acted",
        "engaged",
        "can-follow",
        "not-following",
        "follow-prompt",
    ]
    templates = templates_for(workspace.pk, version.steps)
    assert len(templates) == 4 and EmailTemplate.objects.filter(workspace=workspace).count() == 4
    assert flow_warnings(version.trigger, version.steps, templates) == []
    assert create_default_flow(workspace) == flow  # idempotent
    assert Flow.objects.filter(workspace=workspace).count() == 1


def _presaver(workspace: Workspace, release: Release, email: str, platform: str = "spotify") -> Any:
    """A fan who pre-saved (the connection it went through, the pre-save row and its event)
    and whose release went live."""
    fan = subscribed_fan(workspace, email=email)
    app = PlatformApp.objects.filter(workspace=workspace, platform=platform).first()
    if app is None:
        app = spotify_app(workspace) if platform == "spotify" else apple_app(workspace)
    connection = PlatformConnection.objects.create(
        fan=fan,
        app=app,
        platform=platform,
        platform_user_id=email if platform == "spotify" else None,
        access_token="t",
    )
    PreSave.objects.create(release=release, fan=fan, platform=platform, connection=connection)
    event(fan, FanEventKind.PRESAVED, release=release, platform=platform)
    return fan


def _tracks(release: Release) -> None:
    for n, title in enumerate(("Static Bloom", "Night Drive", "Last Light"), start=1):
        Track.objects.create(release=release, position=n, title=title, isrc=f"USX1926000{n}")
    for platform in ("spotify", "applemusic", "deezer"):
        ReleasePlatform.objects.create(
            release=release, platform=platform, track_ids=[f"{platform}-t1", f"{platform}-t2",
                                                             f"{platform}-t3"]
        )  # fmt: skip


def test_the_progression_end_to_end(
    settings: Any, monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    """Pre-savers whose library has the release (fanloop saved it) are asked which track is
    theirs, never to add the album; a failed delivery or a removal gets the album prompt;
    the follow prompt goes only to the top fans who acted since the release, on a platform
    that can follow."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    _tracks(release)
    flow = Flow.objects.get(workspace=workspace, is_default=True)
    start = timezone.now().replace(microsecond=0)
    only = _presaver(workspace, release, "only@example.org")
    failed = _presaver(workspace, release, "failed@example.org")
    removed = _presaver(workspace, release, "removed@example.org")
    clicker = _presaver(workspace, release, "clicker@example.org")
    apple = _presaver(workspace, release, "apple@example.org", "applemusic")
    everyone = (only, failed, removed, clicker, apple)
    run(start)
    assert mail.outbox == []

    for fan in everyone:
        event(fan, FanEventKind.RELEASE_LIVE, release=release, actor="fanloop")
        if fan is failed:
            event(fan, FanEventKind.DELIVERY_FAILED, release=release, actor="fanloop")
        else:
            event(fan, FanEventKind.SAVED, release=release, actor="fanloop",
                  data={"via": "delivery"})  # fmt: skip
    run(start + dt.timedelta(minutes=1))
    assert sorted(m.subject for m in mail.outbox) == ["Midnight Signal is out now"] * 5

    event(removed, FanEventKind.SAVE_MISSING, release=release)  # the +1 day check
    for fan in (clicker, apple):
        event(fan, FanEventKind.EMAIL_CLICKED, release=release)
    mail.outbox.clear()
    run(start + dt.timedelta(days=2, minutes=2))
    prompts = {m.to[0].split("@")[0]: m for m in mail.outbox}
    assert {who: m.subject for who, m in prompts.items()} == {
        "only": "Which track of Midnight Signal is yours?",
        "clicker": "Which track of Midnight Signal is yours?",
        "apple": "Which track of Midnight Signal is yours?",
        "failed": "Add Midnight Signal to your library",
        "removed": "Add Midnight Signal to your library",
    }
    body = prompts["only"].body
    assert "Static Bloom: " in body and "Night Drive: " in body and "Last Light: " in body
    assert "/a/" in body or "/c/" in body  # the signed (tracked) one-click links

    mail.outbox.clear()
    run(start + dt.timedelta(days=5, minutes=3))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["clicker@example.org"], "Hear Nova Lights's next release first"),
    ]
    assert log_of(journey_of(only, flow))[-1] == ("acted", "left")
    assert log_of(journey_of(failed, flow))[-1] == ("acted", "left")
    assert log_of(journey_of(apple, flow))[-1] == ("can-follow", "left")
    assert ("save-prompt", "skipped") in log_of(journey_of(only, flow))
    assert "track-prompt" not in dict(log_of(journey_of(failed, flow)))
    assert journey_of(clicker, flow).state == JourneyState.COMPLETED


def test_the_follow_goal_ends_the_journey_and_unengaged_fans_leave(
    settings: Any, monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    flow = Flow.objects.get(workspace=workspace, is_default=True)
    start = timezone.now().replace(microsecond=0)
    follower = _presaver(workspace, release, "follows@example.org")
    quiet = _presaver(workspace, release, "quiet@example.org")
    for fan in (follower, quiet):
        event(fan, FanEventKind.RELEASE_LIVE, release=release, actor="fanloop")
    run(start)
    event(follower, FanEventKind.FOLLOWED, artist=release.artist)
    run(start + dt.timedelta(minutes=1))
    assert journey_of(follower, flow).state == JourneyState.GOAL
    run(start + dt.timedelta(days=2, minutes=2))
    run(start + dt.timedelta(days=5, minutes=3))
    journey = journey_of(quiet, flow)
    assert journey.state == JourneyState.EXITED
    assert log_of(journey)[-1] == ("acted", "left")
    # it's out, and the album prompt (nothing saved it: no delivery in this test)
    assert [m.subject for m in mail.outbox if m.to == ["quiet@example.org"]] == [
        "Midnight Signal is out now",
        "Add Midnight Signal to your library",
    ]


def test_an_untouched_first_default_flow_is_upgraded_an_edited_one_is_not(
    workspace: Workspace,
) -> None:
    from fanloop.flows.defaults import FIRST_STEP_IDS, upgrade_default_flow
    from fanloop.flows.models import FlowVersion

    flow = Flow.objects.get(workspace=workspace, is_default=True)
    version = flow.current_version
    assert version is not None
    assert upgrade_default_flow(flow) is False  # already the progression
    # The first default flow, as workspaces created before have it.
    ids = {s["id"]: s.get("template") for s in version.steps}
    first = [
        {"id": "release-live", "type": "wait", "event": "release_live", "timeout_s": 86400},
        {"id": "its-out", "type": "email", "template": ids["its-out"]},
        {"id": "wait-2d", "type": "wait", "duration_s": 172800},
        {"id": "not-saved", "type": "condition", "check": "has_saved", "negate": True,
         "if_false": "next"},
        {"id": "save-prompt", "type": "email", "template": ids["save-prompt"]},
        {"id": "wait-3d", "type": "wait", "duration_s": 259200},
        {"id": "engaged", "type": "condition", "check": "engagement_at_least", "value": 5,
         "negate": False, "if_false": "exit"},
        {"id": "not-following", "type": "condition", "check": "is_following", "negate": True,
         "if_false": "exit"},
        {"id": "follow-prompt", "type": "email", "template": ids["follow-prompt"]},
    ]  # fmt: skip
    assert [s["id"] for s in first] == FIRST_STEP_IDS
    old = FlowVersion.objects.create(flow=flow, number=2, trigger="presaved", goal="followed",
                                     steps=first)  # fmt: skip
    flow.current_version = old
    flow.save()
    EmailTemplate.objects.filter(pk=ids["save-prompt"]).update(
        subject="Keep {{ release.title }} in your library"
    )
    assert upgrade_default_flow(flow) is True
    flow.refresh_from_db()
    assert flow.current_version is not None and flow.current_version.number == 3
    assert [s["id"] for s in flow.current_version.steps][-2:] == ["not-following", "follow-prompt"]
    save = EmailTemplate.objects.get(pk=ids["save-prompt"])
    assert save.subject == "Add {{ release.title }} to your library"
    templates = templates_for(workspace.pk, flow.current_version.steps)
    assert flow_warnings("presaved", flow.current_version.steps, templates) == []
    # A flow a member edited is theirs: no upgrade.
    edited = FlowVersion.objects.create(
        flow=flow, number=4, trigger="presaved", goal="followed", steps=[*first[:-1]]
    )
    flow.current_version = edited
    flow.save()
    assert upgrade_default_flow(flow) is False
