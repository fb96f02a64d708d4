"""Sends under mail server faults, against the real SMTP sink: a temporary error (the
server down or gone mid-chunk, a 4xx reply) puts the message back to pending with a
backoff and stops the send, the untried ones untouched; only a permanent rejection (5xx
for the recipient) fails a message; nothing is lost and nothing sent twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend
from django.utils import timezone

from fanloop.messaging import sending
from fanloop.messaging.models import MessageStatus, OutboundMessage
from fanloop.messaging.sending import EmailRequest, retry_delay, send_emails

from .conftest import Sink, subscribed_fan


def _requests(workspace, template, release, count: int = 3) -> list[EmailRequest]:
    return [
        EmailRequest(subscribed_fan(workspace, f"fan{i}@fans.example"), template, f"k{i}", release)
        for i in range(count)
    ]


def _rows() -> dict[str, tuple[str, int, bool]]:
    """Each row's status, attempts, and whether it has a retry time, by key."""
    return {
        key: (status, attempts, retry_at is not None)
        for key, status, attempts, retry_at in OutboundMessage.objects.values_list(
            "key", "status", "attempts", "retry_at"
        )
    }


def _received(sink: Sink) -> list[str]:
    return sorted(str(message["To"]) for message in sink.messages())


def test_a_4xx_reply_stops_the_send_and_every_message_waits_untouched_then_goes_once(
    smtp_sink, workspace, template, release
):
    requests = _requests(workspace, template, release)
    smtp_sink.server.refuse("451 4.3.0 Try again later")
    outcomes = send_emails(requests)

    assert {o.status for o in outcomes.values()} == {MessageStatus.PENDING}
    assert all(o.mail_down and o.retry_at for o in outcomes.values())
    # The first was tried once; the others were not tried at all.
    assert smtp_sink.server.handler.refused == 1
    assert _rows() == {
        "k0": ("pending", 1, True),
        "k1": ("pending", 0, False),
        "k2": ("pending", 0, False),
    }
    assert "451" in OutboundMessage.objects.get(key="k0").detail

    smtp_sink.server.refuse(None)
    again = send_emails(requests)
    assert {o.status for o in again.values()} == {MessageStatus.SENT}
    assert _received(smtp_sink) == ["fan0@fans.example", "fan1@fans.example", "fan2@fans.example"]


def test_a_5xx_recipient_refusal_fails_that_message_and_the_send_goes_on(
    smtp_sink, workspace, template, release
):
    requests = _requests(workspace, template, release)
    smtp_sink.server.refuse("550 5.1.1 No such user")
    outcomes = send_emails(requests)
    assert {o.status for o in outcomes.values()} == {MessageStatus.FAILED}
    assert smtp_sink.server.handler.refused == 3
    assert "550" in OutboundMessage.objects.get(key="k1").detail
    smtp_sink.server.refuse(None)
    assert send_emails(requests)["k0"].status == MessageStatus.FAILED  # final
    assert smtp_sink.messages() == []


class StopTheSinkBeforeTheSecond(EmailBackend):
    """Django's SMTP backend; the sink goes down while the second message is handed over."""

    sink: Sink | None = None
    calls = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        StopTheSinkBeforeTheSecond.calls += 1
        if StopTheSinkBeforeTheSecond.calls == 2 and self.sink is not None:
            self.sink.server.stop()
        return super().send_messages(email_messages)


def test_the_server_going_down_mid_chunk_loses_nothing_and_sends_nothing_twice(
    smtp_sink, settings, workspace, template, release
):
    settings.EMAIL_BACKEND = f"{__name__}.StopTheSinkBeforeTheSecond"
    StopTheSinkBeforeTheSecond.sink, StopTheSinkBeforeTheSecond.calls = smtp_sink, 0
    requests = _requests(workspace, template, release)
    outcomes = send_emails(requests)
    assert [outcomes[f"k{i}"].status for i in range(3)] == ["sent", "pending", "pending"]
    assert _rows() == {"k0": ("sent", 0, False), "k1": ("pending", 1, True),
                       "k2": ("pending", 0, False)}  # fmt: skip

    smtp_sink.server.start()  # back on the same port
    again = send_emails(requests)
    assert {o.status for o in again.values()} == {MessageStatus.SENT}
    assert _received(smtp_sink) == ["fan0@fans.example", "fan1@fans.example", "fan2@fans.example"]


def test_a_send_still_failing_after_the_last_attempt_is_given_up(
    smtp_sink, workspace, template, release
):
    [request] = _requests(workspace, template, release, 1)
    smtp_sink.server.refuse("421 4.7.0 Busy")
    assert send_emails([request])["k0"].status == MessageStatus.PENDING
    OutboundMessage.objects.filter(key="k0").update(attempts=sending.MAX_SEND_ATTEMPTS - 1)
    outcome = send_emails([request])["k0"]
    assert outcome.status == MessageStatus.FAILED
    row = OutboundMessage.objects.get(key="k0")
    assert row.detail.startswith(f"Gave up after {sending.MAX_SEND_ATTEMPTS} attempts")


def test_the_backoff_doubles_with_jitter_and_is_capped():
    for attempts in range(1, 12):
        ceiling = min(sending.RETRY_CAP_S, sending.RETRY_BASE_S * 2 ** (attempts - 1))
        for _ in range(20):
            delay = retry_delay(attempts).total_seconds()
            assert ceiling / 2 <= delay <= ceiling
    assert retry_delay(30).total_seconds() <= sending.RETRY_CAP_S


def test_a_deferral_for_the_mail_server_is_retried_at_its_time(
    smtp_sink, workspace, template, release
):
    [request] = _requests(workspace, template, release, 1)
    smtp_sink.server.stop()
    before = timezone.now()
    outcome = send_emails([request])["k0"]
    assert outcome.retry_at is not None
    assert outcome.retry_at >= before + dt.timedelta(seconds=sending.RETRY_BASE_S / 2)
    smtp_sink.server.start()
    assert send_emails([request])["k0"].status == MessageStatus.SENT
    assert len(smtp_sink.messages()) == 1


@pytest.mark.parametrize("reply", ["452 4.2.2 Mailbox full", "450 4.2.0 Greylisted"])
def test_every_4xx_recipient_reply_is_temporary(smtp_sink, workspace, template, release, reply):
    [request] = _requests(workspace, template, release, 1)
    smtp_sink.server.refuse(reply)
    assert send_emails([request])["k0"].status == MessageStatus.PENDING
