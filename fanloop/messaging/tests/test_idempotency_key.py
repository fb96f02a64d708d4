"""A mail backend that takes an idempotency key (Resend's API, through
``backends.ResendEmailBackend``) gets the outbox row's key on every attempt, so a send
left in doubt by a crash is made again and the provider drops the copy: nothing lost,
nothing doubled. Checked against a provider stand-in on loopback that keeps keys the way
Resend documents it (the same key again: the first answer, no second email)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from fanloop.messaging.backends import ResendEmailBackend
from fanloop.messaging.models import MessageStatus, OutboundMessage
from fanloop.messaging.sending import send_email

from .conftest import msg
from .crash_backend import ProcessDied
from .provider_standin import Provider, serve_provider


@pytest.fixture
def provider(settings) -> Iterator[Provider]:
    with serve_provider() as provider:
        settings.EMAIL_BACKEND = "fanloop.messaging.backends.ResendEmailBackend"
        settings.ANYMAIL = {"RESEND_API_KEY": "re_test_key", "RESEND_API_URL": provider.url}
        yield provider


class DeliverThenDie(ResendEmailBackend):
    """Hands the message to the provider, then the worker "dies" before recording it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = super().send_messages(email_messages)
        raise ProcessDied(f"killed after handing over {sent} message(s)")


def test_the_outbox_rows_key_goes_with_the_message(provider, fan, template, release):
    outcome = send_email(fan=fan, template=template, key="journey:1:step:0", release=release)
    row = msg(outcome)
    assert outcome.status == MessageStatus.SENT and row.esp_message_id == "re-0"
    [key] = provider.keys
    assert key == "fanloop-" + row.message_id.strip("<>")  # stable per row and install
    assert "journey:1:step:0" not in key  # nothing of the install's ids in the clear


def test_a_send_in_doubt_is_made_again_and_the_provider_drops_the_copy(
    provider, settings, fan, template, release
):
    settings.EMAIL_BACKEND = f"{__name__}.DeliverThenDie"
    with pytest.raises(ProcessDied):
        send_email(fan=fan, template=template, key="k", release=release)
    assert OutboundMessage.objects.get(key="k").status == MessageStatus.SENDING

    settings.EMAIL_BACKEND = "fanloop.messaging.backends.ResendEmailBackend"
    retried = send_email(fan=fan, template=template, key="k", release=release)
    assert retried.status == MessageStatus.SENT
    assert len(provider.keys) == 2 and provider.keys[0] == provider.keys[1]
    assert len(provider.emails) == 1  # zero lost, zero doubled
    assert send_email(fan=fan, template=template, key="k").status == MessageStatus.SENT
    assert len(provider.keys) == 2


def test_a_send_in_doubt_older_than_the_providers_memory_stays_in_doubt(
    provider, settings, fan, template, release
):
    settings.EMAIL_BACKEND = f"{__name__}.DeliverThenDie"
    with pytest.raises(ProcessDied):
        send_email(fan=fan, template=template, key="k", release=release)
    OutboundMessage.objects.filter(key="k").update(
        sending_since=timezone.now() - dt.timedelta(days=2)
    )
    settings.EMAIL_BACKEND = "fanloop.messaging.backends.ResendEmailBackend"
    outcome = send_email(fan=fan, template=template, key="k", release=release)
    assert outcome.status == MessageStatus.UNCERTAIN
    assert "Too long ago for the provider's idempotency key" in msg(outcome).detail
    assert len(provider.keys) == 1


@pytest.mark.parametrize(("answer", "status"), [
    (429, MessageStatus.PENDING), (503, MessageStatus.PENDING),
    (422, MessageStatus.FAILED), (401, MessageStatus.FAILED),
])  # fmt: skip
def test_provider_answers_429_and_5xx_are_temporary_other_4xx_permanent(
    provider, fan, template, answer, status
):
    provider.answer = answer
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == status
    assert f"{answer}" in msg(outcome).detail
    assert "re_test_key" not in msg(outcome).detail  # the API key is never written


def test_an_unreachable_provider_is_temporary(settings, fan, template):
    settings.EMAIL_BACKEND = "fanloop.messaging.backends.ResendEmailBackend"
    settings.ANYMAIL = {"RESEND_API_KEY": "re_test_key", "RESEND_API_URL": "http://127.0.0.1:9/"}
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.PENDING and outcome.mail_down


def test_django_smtp_takes_no_key_and_anymail_resend_as_wrapped_does():
    from django.core.mail import get_connection

    from fanloop.messaging.backends import takes_key

    assert not takes_key(get_connection("django.core.mail.backends.smtp.EmailBackend"))
    assert takes_key(ResendEmailBackend(api_key="re_x"))
