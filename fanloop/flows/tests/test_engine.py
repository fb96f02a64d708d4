"""The flow engine run synchronously (``engine.run_until_idle``) on the real database:
every step type, deferred sends, pause / resume / stop, dry run, goals, unsubscribes and
batched claims. Emails go through ``send_email`` to Django's locmem backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.flows import advance, services, steps
from fanloop.flows.models import FanTag, Flow, Journey, JourneyState, JourneyStep
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.suppressions import unsubscribe

from .engine_helpers import event, journey_of, later, log_of, make_flow, run, subscribed_fan

pytestmark = pytest.mark.django_db
DAY = 86400


@pytest.fixture(autouse=True)
def _mail_settings(settings: Any, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    Flow.objects.filter(is_default=True).delete()  # tested in test_defaults
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)
    monkeypatch.setattr(steps, "WAIT_SCALE", 1.0)


@pytest.fixture
def note(workspace: Workspace) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace,
        name="Note",
        subject="Hello {{ fan.first_name }}",
        text_body="{{ release.title }} by {{ artist.name }}",
    )


def test_a_trigger_starts_a_journey_that_sends_and_completes(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    flow = make_flow(workspace, [{"id": "e1", "type": "email", "template": note.pk}])
    fan = subscribed_fan(workspace, display_name="Robin Fan")
    event(fan, FanEventKind.PRESAVED, release=release)

    totals = run()

    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.COMPLETED
    assert journey.release == release
    assert journey.key == f"{flow.pk}:{fan.pk}:{release.pk}"
    assert log_of(journey) == [("e1", "passed")]
    assert [m.subject for m in mail.outbox] == ["Hello Robin"]
    assert "Midnight Signal by Nova Lights" in mail.outbox[0].body
    assert OutboundMessage.objects.get().key == f"journey:{journey.pk}:step:0"
    assert totals["started"] == 1 and totals["sent"] == 1


def test_duration_wait_holds_the_journey_until_due_and_scales(
    settings: Any,
    workspace: Workspace,
    release: Release,
    note: EmailTemplate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow = make_flow(
        workspace,
        [
            {"id": "w", "type": "wait", "duration_s": 2 * DAY},
            {"id": "e", "type": "email", "template": note.pk},
        ],
    )
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.WAITING
    assert journey.due_at is not None
    assert abs((journey.due_at - timezone.now()).total_seconds() - 2 * DAY) < 60

    run(later(days=1))
    assert journey_of(fan, flow).state == JourneyState.WAITING
    assert mail.outbox == []

    run(later(days=2, minutes=1))
    assert journey_of(fan, flow).state == JourneyState.COMPLETED
    assert len(mail.outbox) == 1

    monkeypatch.setattr(steps, "WAIT_SCALE", 0.001)  # 2 days -> about 3 minutes
    other = subscribed_fan(workspace, email="other@example.org")
    event(other, FanEventKind.PRESAVED, release=release)
    run()
    due = journey_of(other, flow).due_at
    assert due is not None and (due - timezone.now()).total_seconds() < 200


def test_wait_until_a_time_of_day_in_the_fans_time_zone(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    flow = make_flow(workspace, [{"id": "w", "type": "wait", "until_time": "10:00"}])
    fan = subscribed_fan(workspace, country="JP")  # Asia/Tokyo, UTC+9
    noon_utc = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # 21:00 in Tokyo
    event(fan, FanEventKind.PRESAVED, release=release)
    run(noon_utc)
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.WAITING
    # 10:00 the next morning in Tokyo is 01:00 UTC.
    assert journey.due_at == dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)
    run(dt.datetime(2026, 3, 3, 1, 0, 1, tzinfo=dt.UTC))
    assert journey_of(fan, flow).state == JourneyState.COMPLETED


def test_wait_for_an_event_wakes_on_it_and_times_out_without_it(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    flow = make_flow(
        workspace,
        [
            {"id": "w", "type": "wait", "event": "email_opened", "timeout_s": 3 * DAY},
            {"id": "e", "type": "email", "template": note.pk},
        ],
    )
    early, late = subscribed_fan(workspace), subscribed_fan(workspace, email="late@example.org")
    for fan in (early, late):
        event(fan, FanEventKind.PRESAVED, release=release)
    run()
    assert journey_of(early, flow).wait_event == "email_opened"

    event(early, FanEventKind.EMAIL_OPENED, release=release)
    run()
    assert journey_of(early, flow).state == JourneyState.COMPLETED
    assert ("w", "passed") in log_of(journey_of(early, flow))
    step = JourneyStep.objects.get(journey=journey_of(early, flow), step_id="w", outcome="passed")
    assert step.detail == "email_opened happened"
    assert journey_of(late, flow).state == JourneyState.WAITING

    run(later(days=3, minutes=1))
    journey = journey_of(late, flow)
    assert journey.state == JourneyState.COMPLETED
    step = JourneyStep.objects.get(journey=journey, step_id="w", outcome="passed")
    assert step.detail == "timed out"
    assert len(mail.outbox) == 2


def test_an_event_of_another_release_does_not_wake_the_wait(
    workspace: Workspace, release: Release
) -> None:
    other = Release.objects.create(
        artist=release.artist, title="B-side", slug="b-side", release_date=release.release_date
    )
    flow = make_flow(workspace, [{"id": "w", "type": "wait", "event": "saved", "timeout_s": DAY}])
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    event(fan, FanEventKind.SAVED, release=other)
    run()
    assert journey_of(fan, flow).state == JourneyState.WAITING
    event(fan, FanEventKind.SAVED, release=release)
    run()
    assert journey_of(fan, flow).state == JourneyState.COMPLETED


def test_release_live_that_already_happened_passes_the_wait_at_once(
    workspace: Workspace, release: Release
) -> None:
    flow = make_flow(
        workspace, [{"id": "w", "type": "wait", "event": "release_live", "timeout_s": 30 * DAY}]
    )
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.RELEASE_LIVE, release=release)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    assert journey_of(fan, flow).state == JourneyState.COMPLETED


def test_condition_exit_next_and_goto(workspace: Workspace, release: Release) -> None:
    steps: list[dict[str, Any]] = [
        {"id": "c1", "type": "condition", "check": "country", "value": "DE", "if_false": "exit"},
        {"id": "t1", "type": "tag", "tag": "german"},
        {"id": "c2", "type": "condition", "check": "segment", "value": "vip", "if_false": "next"},
        {"id": "t2", "type": "tag", "tag": "vip-seen"},
        {
            "id": "c3",
            "type": "condition",
            "check": "segment",
            "value": "vip",
            "if_false": {"goto": "t4"},
        },
        {"id": "t3", "type": "tag", "tag": "vip-only"},
        {"id": "t4", "type": "tag", "tag": "done"},
    ]
    flow = make_flow(workspace, steps)
    german = subscribed_fan(workspace, email="de@example.org", country="DE")
    french = subscribed_fan(workspace, email="fr@example.org", country="FR")
    for fan in (german, french):
        event(fan, FanEventKind.PRESAVED, release=release)
    run()

    assert journey_of(french, flow).state == JourneyState.EXITED
    assert log_of(journey_of(french, flow)) == [("c1", "left")]
    assert journey_of(german, flow).state == JourneyState.COMPLETED
    assert log_of(journey_of(german, flow)) == [
        ("c1", "passed"),
        ("t1", "passed"),
        ("c2", "passed"),
        ("t2", "skipped"),
        ("c3", "passed"),
        ("t4", "passed"),
    ]
    assert set(FanTag.objects.filter(fan=german).values_list("tag", flat=True)) == {
        "german",
        "done",
    }


def test_tag_records_joined_segment_which_triggers_another_flow(
    workspace: Workspace, release: Release
) -> None:
    make_flow(workspace, [{"id": "t", "type": "tag", "tag": "superfan"}], name="Tagger")
    follow_up = make_flow(
        workspace,
        [{"id": "t", "type": "tag", "tag": "welcomed"}],
        trigger="joined_segment",
        name="Welcome superfans",
    )
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    joined = FanEvent.objects.get(kind=FanEventKind.JOINED_SEGMENT, data__tag="superfan")
    assert joined.fan == fan
    assert journey_of(fan, follow_up).state == JourneyState.COMPLETED
    assert FanTag.objects.filter(fan=fan, tag="welcomed").exists()


def test_quiet_hours_defer_the_send_and_the_same_step_retries_later(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Workspace,
    release: Release,
    note: EmailTemplate,
) -> None:
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "21:00-09:00")
    flow = make_flow(workspace, [{"id": "e", "type": "email", "template": note.pk}])
    fan = subscribed_fan(workspace, country="GB")
    night = dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.UTC)  # 23:30 in London
    event(fan, FanEventKind.PRESAVED, release=release)
    run(night)
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.WAITING
    assert journey.due_at == dt.datetime(2026, 1, 11, 9, 0, tzinfo=dt.UTC)
    assert mail.outbox == []
    assert log_of(journey) == [("e", "waiting")]

    run(dt.datetime(2026, 1, 11, 9, 0, 5, tzinfo=dt.UTC))
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.COMPLETED
    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.get().key == f"journey:{journey.pk}:step:0"
    assert log_of(journey) == [("e", "waiting"), ("e", "passed")]


def test_frequency_cap_defers_until_the_window_reopens(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Workspace,
    release: Release,
    note: EmailTemplate,
) -> None:
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 1)
    monkeypatch.setattr(sending_rules, "DEFAULT_WINDOW_HOURS", 24)
    flow = make_flow(
        workspace,
        [
            {"id": "e1", "type": "email", "template": note.pk},
            {"id": "e2", "type": "email", "template": note.pk},
        ],
    )
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    journey = journey_of(fan, flow)
    assert len(mail.outbox) == 1
    assert journey.state == JourneyState.WAITING and journey.step_index == 1
    assert journey.due_at is not None and journey.due_at > later(hours=23)
    run(later(hours=25))
    assert journey_of(fan, flow).state == JourneyState.COMPLETED
    assert len(mail.outbox) == 2


def test_dry_run_advances_and_logs_without_sending_or_tagging(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    flow = make_flow(
        workspace,
        [
            {"id": "e", "type": "email", "template": note.pk},
            {"id": "t", "type": "tag", "tag": "x"},
            {"id": "s", "type": "api_save"},
            {"id": "h", "type": "webhook", "url": "https://hooks.example.org/fanloop"},
        ],
    )
    services.set_dry_run(flow, True)
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.COMPLETED
    assert log_of(journey) == [
        ("e", "skipped"),
        ("t", "skipped"),
        ("s", "skipped"),
        ("h", "skipped"),
    ]
    assert mail.outbox == []
    assert OutboundMessage.objects.get().status == MessageStatus.DRY_RUN
    assert not FanTag.objects.exists()


def test_no_email_consent_skips_the_email_and_goes_on(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    flow = make_flow(
        workspace,
        [{"id": "e", "type": "email", "template": note.pk}, {"id": "t", "type": "tag", "tag": "x"}],
    )
    fan = Fan.objects.create(workspace=workspace, email="quiet@example.org")
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    journey = journey_of(fan, flow)
    assert log_of(journey) == [("e", "skipped"), ("t", "passed")]
    assert (
        "consent" in JourneyStep.objects.get(journey=journey, step_id="e", outcome="skipped").detail
    )
    assert mail.outbox == []


def test_pause_holds_journeys_and_new_fans_resume_goes_on(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    flow = make_flow(
        workspace,
        [
            {"id": "w", "type": "wait", "duration_s": 60},
            {"id": "e", "type": "email", "template": note.pk},
        ],
    )
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    services.pause(flow)
    newcomer = subscribed_fan(workspace, email="new@example.org")
    event(newcomer, FanEventKind.PRESAVED, release=release)
    run(later(minutes=5))
    assert journey_of(fan, flow).state == JourneyState.WAITING
    assert not Journey.objects.filter(fan=newcomer).exists()
    assert mail.outbox == []

    services.resume(flow)
    run(later(minutes=6))
    assert journey_of(fan, flow).state == JourneyState.COMPLETED
    assert len(mail.outbox) == 1


def test_stop_ends_every_open_journey_and_starts_no_more(
    workspace: Workspace, release: Release
) -> None:
    flow = make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": DAY}])
    fans = [subscribed_fan(workspace, email=f"f{i}@example.org") for i in range(3)]
    for fan in fans:
        event(fan, FanEventKind.PRESAVED, release=release)
    run()
    assert services.stop(flow) == 3
    assert set(Journey.objects.values_list("state", flat=True)) == {JourneyState.STOPPED}
    assert JourneyStep.objects.filter(outcome="left", detail="the flow was stopped").count() == 3
    late = subscribed_fan(workspace, email="late@example.org")
    event(late, FanEventKind.PRESAVED, release=release)
    run(later(days=2))
    assert not Journey.objects.filter(fan=late).exists()


def test_draft_flows_start_no_journeys(workspace: Workspace, release: Release) -> None:
    make_flow(workspace, [{"id": "t", "type": "tag", "tag": "x"}], active=False)
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    assert not Journey.objects.filter(fan=fan).exists()


def test_unsubscribe_stops_every_flow_of_the_fan(
    workspace: Workspace, release: Release, note: EmailTemplate
) -> None:
    steps = [
        {"id": "w", "type": "wait", "duration_s": DAY},
        {"id": "e", "type": "email", "template": note.pk},
    ]
    first = make_flow(workspace, steps, name="One")
    second = make_flow(workspace, steps, name="Two", trigger="email_subscribed")
    fan = subscribed_fan(workspace)  # the consent records email_subscribed
    bystander = subscribed_fan(workspace, email="stays@example.org")
    for someone in (fan, bystander):
        event(someone, FanEventKind.PRESAVED, release=release)
    run()
    assert Journey.objects.filter(fan=fan, state=JourneyState.WAITING).count() == 2

    unsubscribe(fan)
    run()
    for flow in (first, second):
        journey = journey_of(fan, flow)
        assert journey.state == JourneyState.STOPPED
        assert log_of(journey)[-1] == ("w", "left")
    run(later(days=2))
    assert [m.to for m in mail.outbox] == [["stays@example.org"]] * 2  # both flows


def test_reaching_the_goal_ends_the_journey(workspace: Workspace, release: Release) -> None:
    flow = make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": DAY}], goal="followed")
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    event(fan, FanEventKind.FOLLOWED, artist=release.artist)
    run()
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.GOAL
    assert (
        JourneyStep.objects.get(journey=journey, outcome="left").detail
        == "goal reached: followed the artist"
    )


@pytest.mark.parametrize("kind", ["saved", "followed"])
def test_fanloops_own_act_neither_wakes_a_wait_nor_reaches_a_goal(
    kind: str, workspace: Workspace, release: Release
) -> None:
    """A release-day save (or a follow made at delivery) is fanloop's act: a flow waiting
    for the fan to save, or whose goal is the fan's follow, waits for the fan's own."""
    waits = make_flow(
        workspace, [{"id": "w", "type": "wait", "event": kind, "timeout_s": DAY}], name="Waits"
    )
    goal = make_flow(
        workspace, [{"id": "w", "type": "wait", "duration_s": DAY}], goal=kind, name="Goal"
    )
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    event(fan, kind, release=release, artist=release.artist, actor="fanloop")
    run()
    assert journey_of(fan, waits).state == JourneyState.WAITING
    assert journey_of(fan, goal).state == JourneyState.WAITING
    event(fan, kind, release=release, artist=release.artist)
    run()
    assert journey_of(fan, waits).state == JourneyState.COMPLETED
    assert journey_of(fan, goal).state == JourneyState.GOAL


def test_a_wait_passes_over_fanloops_earlier_save(workspace: Workspace, release: Release) -> None:
    """Fanloop saved the release while the journey sat in an earlier wait: when it reaches
    "wait until the fan saves", that save does not count as the fan's."""
    flow = make_flow(
        workspace,
        [{"id": "first", "type": "wait", "duration_s": 3600},
         {"id": "w", "type": "wait", "event": "saved", "timeout_s": DAY}],
    )  # fmt: skip
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    event(fan, FanEventKind.SAVED, release=release, actor="fanloop")
    run(later(hours=2))
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.WAITING and journey.wait_event == "saved"


def test_due_journeys_are_claimed_in_batches_not_one_by_one(
    workspace: Workspace, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advance, "BATCH_SIZE", 4)
    monkeypatch.setattr(advance, "MAX_BATCHES_IN_FLIGHT", 2)
    make_flow(workspace, [{"id": "t", "type": "tag", "tag": "x"}])
    for i in range(10):
        fan = Fan.objects.create(workspace=workspace, email=f"b{i}@example.org")
        event(fan, FanEventKind.PRESAVED, release=release)
    from fanloop.flows import intake

    intake.consume_events(owner="test")
    batches = advance.claim_due()
    assert [len(ids) for _, ids in batches] == [4, 4]  # two in flight at most
    assert advance.claim_due() == []  # nothing claimable twice
    for token, ids in batches:
        report = advance.advance_batch(token, ids)
        assert report.journeys == 4 and report.lost_claims == 0
    rest = advance.claim_due()
    assert [len(ids) for _, ids in rest] == [2]
    assert Journey.objects.filter(claimed_by="").count() == 8


def test_a_stale_claim_expires_and_a_lost_claim_writes_nothing(
    workspace: Workspace, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_flow(workspace, [{"id": "t", "type": "tag", "tag": "x"}])
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)
    from fanloop.flows import intake

    intake.consume_events(owner="test")
    [(dead_token, ids)] = advance.claim_due()
    assert advance.claim_due() == []
    monkeypatch.setattr(advance, "CLAIM_TIMEOUT_SECONDS", 0)
    [(token, same_ids)] = advance.claim_due()
    assert same_ids == ids and token != dead_token
    assert advance.advance_batch(dead_token, ids).lost_claims == 1
    assert not FanTag.objects.exists()
    advance.advance_batch(token, ids)
    assert FanTag.objects.filter(fan=fan, tag="x").exists()


def test_a_failing_step_is_retried_then_the_journey_fails(
    monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    flow = make_flow(workspace, [{"id": "t", "type": "tag", "tag": "x"}])
    fan = subscribed_fan(workspace)
    event(fan, FanEventKind.PRESAVED, release=release)

    def broken(run: Any) -> bool:
        raise RuntimeError("database went away")

    monkeypatch.setitem(advance.RUNNERS, "tag", broken)
    run()
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.ACTIVE and journey.context["errors"] == 1
    run(later(minutes=2))
    run(later(minutes=10))
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.FAILED
    assert JourneyStep.objects.filter(journey=journey, outcome="failed").count() == 3
