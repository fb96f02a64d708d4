"""At most once per key: the same key returns the recorded outcome, and a crash between
handing the message to the mail server and recording it leaves the row UNCERTAIN, never
sent a second time. Checked against a real SMTP server."""

from __future__ import annotations

import pytest

from fanloop.analytics.models import FanEvent
from fanloop.messaging.models import MessageStatus, OutboundMessage
from fanloop.messaging.sending import send_email

from .conftest import msg
from .crash_backend import ProcessDied


def test_the_same_key_sends_once(smtp_sink, fan, template, release):
    first = send_email(fan=fan, template=template, key="journey:1:step:2", release=release)
    again = send_email(fan=fan, template=template, key="journey:1:step:2", release=release)
    assert first.status == again.status == MessageStatus.SENT
    assert msg(first).pk == msg(again).pk
    assert len(smtp_sink.messages()) == 1
    assert FanEvent.objects.filter(kind="email_sent").count() == 1


def test_different_keys_send_separately(smtp_sink, fan, template, release):
    send_email(fan=fan, template=template, key="a", release=release)
    send_email(fan=fan, template=template, key="b", release=release)
    assert len(smtp_sink.messages()) == 2


def test_a_crash_after_sending_is_in_doubt_and_never_resent_through_smtp(
    smtp_sink, settings, fan, template, release
):
    settings.EMAIL_BACKEND = "fanloop.messaging.tests.crash_backend.DeliverThenDie"
    with pytest.raises(ProcessDied):
        send_email(fan=fan, template=template, key="k", release=release)
    row = OutboundMessage.objects.get(key="k")
    assert row.status == MessageStatus.SENDING  # the state a killed worker leaves behind
    assert len(smtp_sink.messages()) == 1

    # The worker restarts and the engine retries the step with the same key.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    retried = send_email(fan=fan, template=template, key="k", release=release)
    assert retried.status == MessageStatus.UNCERTAIN
    assert "takes no idempotency key, so it is not sent again" in msg(retried).detail
    assert send_email(fan=fan, template=template, key="k").status == MessageStatus.UNCERTAIN
    assert len(smtp_sink.messages()) == 1


def test_the_message_id_is_derived_from_the_key(smtp_sink, fan, template, workspace):
    send_email(fan=fan, template=template, key="journey:7:step:0")
    row = OutboundMessage.objects.get()
    [received] = smtp_sink.messages()
    assert received["Message-ID"] == row.message_id
    assert row.message_id.endswith("@fanloop.example>")
    from fanloop.messaging.sending import _message_id

    assert _message_id("journey:7:step:0") == row.message_id != _message_id("journey:7:step:1")


def test_a_key_too_long_for_the_outbox_is_refused(fan, template):
    with pytest.raises(ValueError, match="key"):
        send_email(fan=fan, template=template, key="x" * 201)
    assert not OutboundMessage.objects.exists()
