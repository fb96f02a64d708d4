"""Every trigger starts journeys of active flows only, narrowed by artist and release, one
journey per flow, fan and release; the event cursor reads each event once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan
from fanloop.flows import intake
from fanloop.flows.models import EventCursor, Flow, Journey, JourneyState
from fanloop.flows.steps import TRIGGERS

from .engine_helpers import event, make_flow, run

pytestmark = pytest.mark.django_db
TAG = [{"id": "t", "type": "tag", "tag": "entered"}]


@pytest.fixture(autouse=True)
def _no_default_flow(workspace: Workspace) -> None:
    Flow.objects.filter(is_default=True).delete()  # tested in test_defaults


def test_the_trigger_list_is_the_issues() -> None:
    assert set(TRIGGERS) == {
        "presaved",
        "delivery_succeeded",
        "release_live",
        "email_subscribed",
        "saved",
        "followed",
        "forever_save_optin",
        "new_release_detected",
        "joined_segment",
    }


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
def test_every_trigger_starts_a_journey(
    trigger: str, workspace: Workspace, fan: Fan, release: Release
) -> None:
    flow = make_flow(workspace, TAG, trigger=trigger)
    other = make_flow(workspace, TAG, trigger="presaved" if trigger != "presaved" else "saved")
    event(fan, trigger, release=release)
    run()
    journey = Journey.objects.get(flow=flow)
    assert (journey.fan, journey.release, journey.version) == (fan, release, flow.current_version)
    assert journey.trigger_event is not None and journey.trigger_event.kind == trigger
    assert journey.state == JourneyState.COMPLETED
    assert not Journey.objects.filter(flow=other).exists()


def test_one_journey_per_flow_fan_and_release(
    workspace: Workspace, fan: Fan, release: Release
) -> None:
    flow = make_flow(workspace, TAG)
    second = Release.objects.create(
        artist=release.artist, title="Two", slug="two", release_date=release.release_date
    )
    for target in (release, release, second):
        event(fan, FanEventKind.PRESAVED, release=target)
    run()
    event(fan, FanEventKind.PRESAVED, release=release)  # again, after it completed
    run()
    assert sorted(Journey.objects.filter(flow=flow).values_list("key", flat=True)) == sorted(
        [f"{flow.pk}:{fan.pk}:{release.pk}", f"{flow.pk}:{fan.pk}:{second.pk}"]
    )


def test_events_without_a_release_key_the_journey_per_fan(workspace: Workspace, fan: Fan) -> None:
    flow = make_flow(workspace, TAG, trigger="email_subscribed")
    event(fan, FanEventKind.EMAIL_SUBSCRIBED)
    event(fan, FanEventKind.EMAIL_SUBSCRIBED)
    run()
    assert list(Journey.objects.values_list("key", flat=True)) == [f"{flow.pk}:{fan.pk}:-"]


def test_artist_and_release_narrow_the_trigger(
    workspace: Workspace, fan: Fan, release: Release, artist: Artist
) -> None:
    other_artist = Artist.objects.create(workspace=workspace, name="Other", slug="other")
    other_release = Release.objects.create(
        artist=other_artist, title="Else", slug="else", release_date=release.release_date
    )
    sibling = Release.objects.create(
        artist=artist, title="Sibling", slug="sibling", release_date=release.release_date
    )
    by_artist = make_flow(workspace, TAG, artist=artist, name="Artist")
    by_release = make_flow(workspace, TAG, trigger_release=release, name="Release")
    for target in (release, sibling, other_release):
        event(fan, FanEventKind.PRESAVED, release=target)
    run()
    assert set(Journey.objects.filter(flow=by_artist).values_list("release", flat=True)) == {
        release.pk,
        sibling.pk,
    }
    assert list(Journey.objects.filter(flow=by_release).values_list("release", flat=True)) == [
        release.pk
    ]


def test_flows_of_another_workspace_are_not_triggered(
    workspace: Workspace, fan: Fan, release: Release
) -> None:
    from fanloop.accounts.models import User
    from fanloop.flows.workspaces import create_workspace

    other = create_workspace("Other", User.objects.create_user("x@example.org", "pw-123456789"))
    Flow.objects.filter(is_default=True).delete()
    foreign = make_flow(other, TAG)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    assert not Journey.objects.filter(flow=foreign).exists()


def test_the_cursor_reads_each_event_once_and_holds_a_lease(
    workspace: Workspace, fan: Fan, release: Release
) -> None:
    make_flow(workspace, TAG)
    event(fan, FanEventKind.PRESAVED, release=release)
    first = intake.consume_events(owner="worker-a")
    assert (first.events, first.started) == (1, 1)
    assert intake.consume_events(owner="worker-a").events == 0
    cursor = EventCursor.objects.get(name=intake.CURSOR_NAME)
    assert cursor.lease_owner == ""

    EventCursor.objects.filter(pk=cursor.pk).update(
        lease_owner="worker-b", lease_until=cursor.updated.replace(year=2100)
    )
    event(fan, FanEventKind.SAVED, release=release)
    assert intake.consume_events(owner="worker-a").events == 0  # b holds the lease
    EventCursor.objects.filter(pk=cursor.pk).update(lease_until=cursor.updated.replace(year=2000))
    assert intake.consume_events(owner="worker-a").events == 1  # b's lease expired


def test_a_recent_gap_in_event_ids_holds_the_cursor_on_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A smaller id may commit after a larger one: wait for it a few seconds, then skip it."""
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import timezone

    monkeypatch.setattr(intake, "connection", SimpleNamespace(vendor="postgresql"))
    now = timezone.now()
    old = now - dt.timedelta(seconds=intake.EVENT_SETTLE_SECONDS + 1)
    rows = [{"id": 11, "created": old}, {"id": 13, "created": now}, {"id": 14, "created": now}]
    assert [r["id"] for r in intake._settled(rows, 10)] == [11]  # 12 may still commit
    rows[1]["created"] = old
    assert [r["id"] for r in intake._settled(rows, 10)] == [11, 13, 14]  # 12 never came
    monkeypatch.setattr(intake, "connection", SimpleNamespace(vendor="sqlite"))
    rows[1]["created"] = now
    assert len(intake._settled(rows, 10)) == 3  # one writer at a time: no gaps to wait for


@pytest.mark.parametrize("trigger", ["saved", "followed"])
def test_a_save_or_follow_fanloop_made_starts_no_flow(
    trigger: str, workspace: Workspace, fan: Fan, release: Release
) -> None:
    """The release-day save (or a follow made at delivery) is fanloop's act, not the fan's:
    a flow started by "saved" or "followed" waits for the fan's own."""
    flow = make_flow(workspace, TAG, trigger=trigger)
    event(fan, trigger, release=release, actor="fanloop", data={"via": "delivery"})
    run()
    assert not Journey.objects.filter(flow=flow).exists()
    event(fan, trigger, release=release)
    run()
    assert Journey.objects.filter(flow=flow, fan=fan).count() == 1


def test_a_tick_with_no_new_event_writes_nothing(
    workspace: Workspace, fan: Fan, release: Release
) -> None:
    make_flow(workspace, TAG)
    event(fan, FanEventKind.PRESAVED, release=release)
    assert intake.consume_events(owner="worker-a").events == 1

    with CaptureQueriesContext(connection) as idle:
        assert intake.consume_events(owner="worker-a").events == 0
    writes = [q["sql"] for q in idle.captured_queries if not q["sql"].startswith("SELECT")]
    assert writes == []

    event(fan, FanEventKind.SAVED, release=release)
    assert intake.consume_events(owner="worker-a").events == 1  # read after an idle tick
