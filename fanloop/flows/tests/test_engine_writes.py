"""How a batch writes what it ran: journeys a few at a time in one transaction each, every
journey with its own values, a journey whose claim was lost meanwhile left alone; and the
queries an email step costs per journey."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.flows import advance, intake, services, steps
from fanloop.flows.models import FanTag, Flow, Journey, JourneyState, JourneyStep
from fanloop.messaging import sending as messaging
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage

from .engine_helpers import event, log_of, make_flow, run, subscribed_fan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings: Any, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    Flow.objects.filter(is_default=True).delete()  # tested in test_defaults
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)
    monkeypatch.setattr(steps, "WAIT_SCALE", 1.0)


def _start(fans: list[Fan], release: Release) -> list[tuple[str, list[int]]]:
    for fan in fans:
        event(fan, FanEventKind.PRESAVED, release=release)
    intake.consume_events(owner="test")
    return advance.claim_due()


def test_journeys_written_a_few_at_a_time_keep_their_own_values(
    monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    monkeypatch.setattr(advance, "WRITE_EVERY", 2)
    tagging = make_flow(workspace, [{"id": "t", "type": "tag", "tag": "a"}], name="Tag")
    waiting = make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": 86400}], name="Wait")
    fans = [subscribed_fan(workspace, f"f{i}@example.org") for i in range(5)]
    for fan in fans:
        event(fan, FanEventKind.PRESAVED, release=release)
    before = timezone.now()

    totals = run()

    assert totals["batches"] == 1
    for journey in Journey.objects.filter(flow=tagging):
        assert journey.state == JourneyState.COMPLETED and journey.finished is not None
        assert journey.due_at is None and journey.claimed_by == ""
        assert log_of(journey) == [("t", "passed")]
    for journey in Journey.objects.filter(flow=waiting):
        assert journey.state == JourneyState.WAITING and journey.finished is None
        assert journey.due_at is not None
        assert journey.due_at - before >= dt.timedelta(days=1) and journey.claimed_by == ""
        assert journey.context == {"entered": 0} and log_of(journey) == [("w", "waiting")]
    assert Journey.objects.count() == 10
    assert FanTag.objects.filter(tag="a").count() == len(fans)


def test_a_journey_whose_claim_is_lost_mid_batch_is_not_written(
    monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    make_flow(workspace, [{"id": "t", "type": "tag", "tag": "a"}])
    fans = [subscribed_fan(workspace, f"f{i}@example.org") for i in range(4)]
    [(token, ids)] = _start(fans, release)
    taken = ids[1]
    running = advance.run_journey

    def run_then_lose(journey: Journey, batch: advance.BatchShared) -> advance.Run:
        ran = running(journey, batch)
        if journey.pk == taken:  # another worker took it over after a claim timeout
            Journey.objects.filter(pk=taken).update(claimed_by="flows-batch-other")
        return ran

    monkeypatch.setattr(advance, "run_journey", run_then_lose)
    report = advance.advance_batch(token, ids)

    assert report.journeys == 4 and report.lost_claims == 1 and report.steps == 3
    lost = Journey.objects.get(pk=taken)
    assert lost.claimed_by == "flows-batch-other" and lost.state == JourneyState.ACTIVE
    assert not JourneyStep.objects.filter(journey=lost).exists()
    written = Journey.objects.exclude(pk=taken)
    assert {j.state for j in written} == {JourneyState.COMPLETED}
    assert {j.claimed_by for j in written} == {""}


def test_email_steps_cost_reads_per_chunk_and_writes_per_message_and_send_once(
    workspace: Workspace, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = EmailTemplate.objects.create(
        workspace=workspace, name="Note", subject="Hi {{ fan.first_name }}", text_body="Out now"
    )
    make_flow(workspace, [{"id": "e", "type": "email", "template": note.pk}])

    def queries(count: int, first: int) -> int:
        fans = [subscribed_fan(workspace, f"q{first + i}@example.org") for i in range(count)]
        [(token, ids)] = _start(fans, release)
        with CaptureQueriesContext(connection) as captured:
            report = advance.advance_batch(token, ids)
        assert report.sent == count
        control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
        return sum(1 for q in captured.captured_queries if not q["sql"].startswith(control))

    # Per message: its claim (an UPDATE to SENDING just before it leaves), its outcome
    # (an UPDATE to SENT) and its fan event (an INSERT), so that a worker killed while
    # sending leaves one message in doubt, not a chunk: 3 statements on SQLite; on
    # PostgreSQL one (the previous message's outcome and event with this one's claim), and
    # one more per chunk for the last message's outcome.
    postgres = connection.vendor == "postgresql"
    per_message, last_outcome = (1, 1) if postgres else (3, 0)
    monkeypatch.setattr(messaging, "SEND_CHUNK", 10)
    assert queries(6, 0) - queries(2, 100) == 4 * per_message  # one chunk either way
    monkeypatch.setattr(messaging, "SEND_CHUNK", 2)
    # Per chunk: the consents, suppressions, workspaces' sending rules, the platforms the
    # release's email pre-savers chose (their link leads the email), the release's listen
    # links (pasted ones win), its album ids and its artist's platform links read, and the
    # rows inserted: 8; 3 chunks vs 1.
    assert queries(6, 200) - queries(2, 300) == 4 * per_message + 2 * (8 + last_outcome)
    assert len(mail.outbox) == 16
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 16


def test_events_of_kinds_no_flow_uses_are_passed_over_without_reading_journeys(
    workspace: Workspace, release: Release
) -> None:
    make_flow(workspace, [{"id": "w", "type": "wait", "event": "saved", "timeout_s": 86400}])
    fan = subscribed_fan(workspace, "quiet@example.org")
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    [journey] = Journey.objects.filter(fan=fan)
    assert journey.state == JourneyState.WAITING and journey.wait_event == "saved"

    event(fan, FanEventKind.EMAIL_SENT, release=release)
    with CaptureQueriesContext(connection) as captured:
        report = intake.consume_events(owner="test")
    assert report.events == 1 and report.woken == 0
    assert not [q for q in captured.captured_queries if "flows_journey" in q["sql"]]

    event(fan, FanEventKind.SAVED, release=release)  # the awaited kind still wakes it
    assert intake.consume_events(owner="test").woken == 1


def test_claims_read_journeys_by_primary_key_never_by_token_alone(
    workspace: Workspace, release: Release
) -> None:
    """The claim token has no index: a query on it alone scans every journey (1M rows took
    40-80 ms a batch on PostgreSQL). Each claim and batch query names the ids too."""
    make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": 86400}])
    fans = [subscribed_fan(workspace, f"k{i}@example.org") for i in range(3)]
    for fan in fans:
        event(fan, FanEventKind.PRESAVED, release=release)
    intake.consume_events(owner="test")
    with CaptureQueriesContext(connection) as queries:
        batches = advance.claim_due()
        for token, ids in batches:
            advance.advance_batch(token, ids)
    assert batches
    by_token = [
        q["sql"] for q in queries.captured_queries if '"claimed_by" = \'flows-batch-' in q["sql"]
    ]
    assert by_token
    for sql in by_token:
        assert '"flows_journey"."id" IN' in sql or '"id" IN' in sql, sql


def _plan(queryset: Any) -> str:
    """The query plan of ``queryset`` on the test database."""
    if connection.vendor != "postgresql":
        return str(queryset.explain())
    with transaction.atomic(), connection.cursor() as cursor:
        # A few test rows make a scan and a sort cheapest whatever the indexes; what is
        # checked is whether an index can hand the due journeys over in order.
        for method in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        return str(queryset.explain())


def test_the_claim_reads_due_journeys_in_order_off_an_index_without_sorting_them(
    workspace: Workspace, release: Release
) -> None:
    """With 100,000 due journeys, sorting them all for each batch of 200 took 25-70 ms a
    claim on PostgreSQL; read in order off ``journey_due_at``, the first 200 are enough."""
    paused = make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": 60}], name="P")
    services.pause(paused)
    now = timezone.now()
    plan = _plan(advance.due_journeys(now, now)[:200])
    assert "journey_due_at" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_a_paused_flow_s_due_journeys_do_not_hold_back_an_active_flow_s(
    workspace: Workspace, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advance, "BATCH_SIZE", 2)
    monkeypatch.setattr(advance, "MAX_BATCHES_IN_FLIGHT", 1)
    paused = make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": 60}], name="P")
    fans = [subscribed_fan(workspace, f"q{i}@example.org") for i in range(3)]
    for fan in fans:
        event(fan, FanEventKind.PRESAVED, release=release)
    intake.consume_events(owner="test")
    run()
    services.pause(paused)
    active = make_flow(workspace, [{"id": "t", "type": "tag", "tag": "a"}], name="A")
    Journey.objects.filter(flow=paused).update(due_at=timezone.now() - dt.timedelta(hours=1))
    late = subscribed_fan(workspace, "late@example.org")
    event(late, FanEventKind.PRESAVED, release=release)
    intake.consume_events(owner="test")

    [(_, ids)] = advance.claim_due()

    assert ids == list(Journey.objects.filter(flow=active).values_list("pk", flat=True))


def test_a_batch_locks_its_journeys_by_primary_key_alone(
    workspace: Workspace, release: Release
) -> None:
    """With the token or the state in the lock query, PostgreSQL with stale statistics
    planned a scan of every open journey's index entry: 20-90 ms a write at 1M journeys."""
    make_flow(workspace, [{"id": "t", "type": "tag", "tag": "a"}])
    fans = [subscribed_fan(workspace, f"l{i}@example.org") for i in range(3)]
    [(token, ids)] = _start(fans, release)
    with CaptureQueriesContext(connection) as queries:
        advance.advance_batch(token, ids)
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    [lock] = [sql for sql in reads if '"claimed_by" AS "claimed_by"' in sql]
    if connection.features.has_select_for_update:
        assert lock.endswith("FOR UPDATE"), lock
    where = lock.split("WHERE", 1)[1]
    assert '"id" IN' in where
    assert "claimed_by" not in where and "state" not in where, lock
    assert Journey.objects.filter(state=JourneyState.COMPLETED).count() == 3


def test_a_batch_renews_only_claims_that_waited_half_the_timeout(
    workspace: Workspace, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advance, "CLAIM_TIMEOUT_SECONDS", 600)
    make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": 86400}])
    fans = [subscribed_fan(workspace, f"r{i}@example.org") for i in range(2)]
    [(token, ids)] = _start(fans, release)
    claimed_at = Journey.objects.get(pk=ids[0]).claimed_at

    assert advance.renew_claim(ids, token) == 0  # fresh: not rewritten
    assert Journey.objects.get(pk=ids[0]).claimed_at == claimed_at

    old = timezone.now() - dt.timedelta(seconds=301)
    Journey.objects.filter(pk=ids[0]).update(claimed_at=old)
    assert advance.renew_claim(ids, token) == 1
    renewed = Journey.objects.get(pk=ids[0]).claimed_at
    assert renewed is not None and renewed > old
    assert advance.renew_claim(ids, "flows-batch-another") == 0
