"""``send_emails`` decides a chunk of messages together and sends them one at a time: each
is claimed (SENDING) just before it leaves, in the commit recording the one before; the
rules are read per chunk (an unsubscribe between chunks counts), the frequency cap counts
the chunk's own sends, and an error mid-chunk sends nothing twice."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from psycopg import pq
from pytest_django.fixtures import Settings as SettingsWrapper

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.messaging import sending as services
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.sending import EmailRequest, send_emails
from fanloop.messaging.suppressions import unsubscribe

from .conftest import msg, on_another_connection, subscribed_fan
from .crash_backend import ProcessDied


def _committed_statuses() -> dict[str, str]:
    """Every outbox row's status by key, as another connection (worker) sees them."""
    return on_another_connection(lambda: dict(OutboundMessage.objects.values_list("key", "status")))


class HookBackend(EmailBackend):
    """Delivers to ``mail.outbox``; calls ``before`` with each message first."""

    before: Callable[[EmailMessage], None] = staticmethod(lambda message: None)

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            HookBackend.before(message)
        return super().send_messages(messages)


@pytest.fixture
def hook(settings: SettingsWrapper) -> type[HookBackend]:
    settings.EMAIL_BACKEND = f"{__name__}.HookBackend"
    HookBackend.before = staticmethod(lambda message: None)
    return HookBackend


def _fans(workspace: Workspace, count: int) -> list[Fan]:
    return [subscribed_fan(workspace, f"fan{i}@fans.example") for i in range(count)]


def _requests(fans: list[Fan], template: EmailTemplate, release: Release) -> list[EmailRequest]:
    return [EmailRequest(fan, template, f"k{i}", release) for i, fan in enumerate(fans)]


@pytest.mark.django_db(transaction=True)
def test_each_message_is_claimed_just_before_it_is_sent_the_one_before_recorded(
    hook, workspace, template, release, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(services, "SEND_CHUNK", 3)
    seen: list[dict[str, str]] = []
    hook.before = staticmethod(lambda message: seen.append(_committed_statuses()))
    outcomes = send_emails(_requests(_fans(workspace, 5), template, release))

    # Decided per chunk (written pending), claimed one at a time: whenever a message is
    # handed over, it is the only one SENDING and those before it are recorded SENT.
    assert seen[0] == {"k0": "sending", "k1": "pending", "k2": "pending"}
    assert seen[1] == {"k0": "sent", "k1": "sending", "k2": "pending"}
    assert seen[2] == {"k0": "sent", "k1": "sent", "k2": "sending"}
    assert seen[3] == {"k0": "sent", "k1": "sent", "k2": "sent",
                       "k3": "sending", "k4": "pending"}  # fmt: skip
    assert all(list(statuses.values()).count("sending") == 1 for statuses in seen)
    assert {o.status for o in outcomes.values()} == {MessageStatus.SENT}
    assert set(_committed_statuses().values()) == {"sent"}
    assert FanEvent.objects.filter(kind="email_sent").count() == len(mail.outbox) == 5


@contextmanager
def _round_trips() -> Iterator[Callable[[], int]]:
    """Count this connection's round trips to PostgreSQL (libpq's protocol trace: each
    ends with the server's ReadyForQuery); the callable reads the count so far."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

        def count() -> int:
            trace.seek(0)
            return sum("\tReadyForQuery\t" in line for line in trace)

        try:
            yield count
        finally:
            pgconn.untrace()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_message_costs_one_round_trip_between_sends(
    hook, workspace, template, release
):
    # The outcome of the message before, its sent event and this message's claim go as
    # one statement (a transaction of them would be five round trips: BEGIN, three
    # statements, COMMIT); SQLite keeps the transaction (no network).
    if connection.vendor != "postgresql":
        pytest.skip("round trips are PostgreSQL's (DATABASE_URL)")
    fans = _fans(workspace, 4)
    with _round_trips() as count:
        at_send: list[int] = []
        hook.before = staticmethod(lambda message: at_send.append(count()))
        outcomes = send_emails(_requests(fans, template, release))
    assert [b - a for a, b in itertools.pairwise(at_send)] == [1, 1, 1]
    assert {o.status for o in outcomes.values()} == {MessageStatus.SENT}
    assert set(_committed_statuses().values()) == {"sent"}
    assert FanEvent.objects.filter(kind="email_sent").count() == len(mail.outbox) == 4


def test_each_message_of_a_chunk_gets_its_own_outcome(
    workspace, template, release, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(services, "SEND_CHUNK", 10)
    fans = _fans(workspace, 4)
    no_address = Fan.objects.create(workspace=workspace, email="")
    unsubscribe(fans[1])
    requests = [
        EmailRequest(fans[0], template, "sent", release),
        EmailRequest(fans[1], template, "suppressed", release),
        EmailRequest(fans[2], template, "dry", release, dry_run=True),
        EmailRequest(no_address, template, "nobody", release),
        EmailRequest(fans[3], template, "sent-too", release),
    ]
    outcomes = send_emails(requests)

    assert {key: o.status for key, o in outcomes.items()} == {
        "sent": MessageStatus.SENT,
        "suppressed": MessageStatus.SUPPRESSED,
        "dry": MessageStatus.DRY_RUN,
        "nobody": MessageStatus.NO_CONSENT,
        "sent-too": MessageStatus.SENT,
    }
    rows = dict(OutboundMessage.objects.values_list("key", "status"))
    assert rows == {key: o.status for key, o in outcomes.items()}
    assert sorted(m.to[0] for m in mail.outbox) == [fans[0].email, fans[3].email]
    assert msg(outcomes["sent"]).subject == "First Light is out"


def test_an_unsubscribe_between_chunks_is_honoured(
    hook, workspace, template, release, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(services, "SEND_CHUNK", 1)
    fans = _fans(workspace, 2)
    # While the first message goes out, the second fan unsubscribes.
    hook.before = staticmethod(
        lambda message: unsubscribe(fans[1]) if message.to == [fans[0].email] else None
    )
    outcomes = send_emails(_requests(fans, template, release))
    assert outcomes["k0"].status == MessageStatus.SENT
    assert outcomes["k1"].status == MessageStatus.SUPPRESSED
    assert [m.to for m in mail.outbox] == [[fans[0].email]]


def test_the_frequency_cap_counts_the_chunks_own_sends(
    workspace, template, release, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 2)
    monkeypatch.setattr(services, "SEND_CHUNK", 10)
    [fan] = _fans(workspace, 1)
    requests = [EmailRequest(fan, template, f"k{i}", release) for i in range(3)]
    outcomes = send_emails(requests)
    assert [outcomes[f"k{i}"].status for i in range(3)] == [
        MessageStatus.SENT, MessageStatus.SENT, MessageStatus.CAPPED
    ]  # fmt: skip
    assert outcomes["k2"].retry_at is not None
    assert OutboundMessage.objects.get(key="k2").status == MessageStatus.PENDING
    assert len(mail.outbox) == 2


def test_a_crash_mid_chunk_leaves_only_the_message_in_flight_uncertain(
    hook, workspace, template, release, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(services, "SEND_CHUNK", 3)
    fans = _fans(workspace, 3)

    def die_on_the_second(message: EmailMessage) -> None:
        if message.to == [fans[1].email]:
            raise ProcessDied("killed while handing over the second message")

    hook.before = staticmethod(die_on_the_second)
    with pytest.raises(ProcessDied):
        send_emails(_requests(fans, template, release))
    rows = dict(OutboundMessage.objects.values_list("key", "status"))
    # The first was sent and recorded; the second may have left; the third never tried.
    assert rows == {"k0": "sent", "k1": "sending", "k2": "pending"}

    hook.before = staticmethod(lambda message: None)
    again = send_emails(_requests(fans, template, release))
    assert {key: o.status for key, o in again.items()} == {
        "k0": MessageStatus.SENT,
        "k1": MessageStatus.UNCERTAIN,
        "k2": MessageStatus.SENT,
    }
    assert [m.to for m in mail.outbox] == [[fans[0].email], [fans[2].email]]


def test_a_deferred_row_another_call_claimed_is_settled_by_that_call(
    monkeypatch, hook, workspace, template, release
):
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "00:00-23:59")
    [fan] = _fans(workspace, 1)
    [request] = _requests([fan], template, release)
    assert send_emails([request])["k0"].status == MessageStatus.PENDING
    stale = {"k0": OutboundMessage.objects.get(key="k0")}
    # Meanwhile another worker sent it.
    OutboundMessage.objects.filter(key="k0").update(status=MessageStatus.SENT)
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    outcome = send_emails([request], outbox=stale)["k0"]
    assert outcome.status == MessageStatus.SENT and not mail.outbox


def test_every_key_once_per_call(workspace, template, release):
    [fan] = _fans(workspace, 1)
    with pytest.raises(ValueError, match="key of its own"):
        send_emails([EmailRequest(fan, template, "k", release)] * 2)
    assert not OutboundMessage.objects.exists()
