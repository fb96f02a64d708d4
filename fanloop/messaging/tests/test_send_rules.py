"""``send_email`` sends only to fans who may get it: an address, an active (confirmed)
email consent, not suppressed; a dry run records what would have happened."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.services import create_artist
from fanloop.fans import consent_log
from fanloop.fans.models import Fan
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage, Suppression
from fanloop.messaging.sending import send_email

from .conftest import msg, subscribed_fan


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_it_sends_to_a_fan_with_a_confirmed_consent(fan, template, release):
    outcome = send_email(fan=fan, template=template, key="k1", release=release)
    assert outcome.status == MessageStatus.SENT and outcome.retry_at is None
    message = OutboundMessage.objects.get(key="k1")
    assert outcome.message == message
    assert (message.status, message.to, message.subject) == (
        "sent",
        fan.email,
        "First Light is out",
    )
    assert message.sent_at is not None and message.workspace_id == fan.workspace_id
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [fan.email]
    event = FanEvent.objects.get(key=f"email:{message.pk}:sent")
    assert (event.kind, event.fan_id, event.release_id) == (
        FanEventKind.EMAIL_SENT,
        fan.pk,
        release.pk,
    )


def test_it_does_not_send_without_consent(workspace, template):
    fan = Fan.objects.create(workspace=workspace, email="nobody@fans.example")
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.NO_CONSENT
    assert outcome.message is not None and "No email consent" in msg(outcome).detail
    assert mail.outbox == [] and not FanEvent.objects.filter(kind="email_sent").exists()


def test_it_does_not_send_while_the_double_opt_in_is_unconfirmed(workspace, template):
    fan = Fan.objects.create(workspace=workspace, email="pending@fans.example")
    consent_log.record_consent(fan, "email", True, page="/x", confirmed=False)
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.NO_CONSENT
    assert "not confirmed" in msg(outcome).detail
    assert mail.outbox == []


def test_it_does_not_send_after_the_consent_is_withdrawn(fan, template):
    consent_log.revoke_consent(fan, "email", "/portal")
    assert send_email(fan=fan, template=template, key="k").status == MessageStatus.NO_CONSENT
    assert mail.outbox == []


def test_a_consent_for_another_artist_is_not_enough(workspace, template, artist):
    other = create_artist(workspace, name="Someone Else")
    fan = Fan.objects.create(workspace=workspace, email="other@fans.example")
    consent_log.record_consent(fan, "email", True, page="/x", artist=other, confirmed=True)
    assert send_email(fan=fan, template=template, key="a").status == MessageStatus.NO_CONSENT
    consent_log.record_consent(fan, "email", True, page="/y", artist=artist, confirmed=True)
    assert send_email(fan=fan, template=template, key="b").status == MessageStatus.SENT


def test_it_does_not_send_to_a_fan_without_an_address(workspace, template):
    fan = Fan.objects.create(workspace=workspace, display_name="No Mail")
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.NO_CONSENT
    assert msg(outcome).detail == "The fan has no email address."


@pytest.mark.parametrize("reason", ["bounced", "complained", "manual", "unsubscribed"])
def test_it_does_not_send_to_a_suppressed_address(fan, template, reason):
    Suppression.objects.create(workspace=fan.workspace, email=fan.email, reason=reason)
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.SUPPRESSED and reason in msg(outcome).detail
    assert mail.outbox == []


def test_a_suppression_in_another_workspace_does_not_count(fan, template, other_workspace):
    Suppression.objects.create(workspace=other_workspace, email=fan.email, reason="bounced")
    assert send_email(fan=fan, template=template, key="k").status == MessageStatus.SENT


def test_a_new_opt_in_after_an_unsubscribe_is_honoured_but_not_after_a_bounce(workspace, template):
    fan = subscribed_fan(workspace, "back@fans.example")
    unsub = Suppression.objects.create(workspace=workspace, email=fan.email, reason="unsubscribed")
    assert send_email(fan=fan, template=template, key="a").status == MessageStatus.SUPPRESSED
    consent_log.record_consent(fan, "email", True, page="/again", confirmed=True)
    assert send_email(fan=fan, template=template, key="b").status == MessageStatus.SENT
    unsub.reason = "bounced"
    unsub.save()
    consent_log.record_consent(fan, "email", True, page="/again2", confirmed=True)
    assert send_email(fan=fan, template=template, key="c").status == MessageStatus.SUPPRESSED


def test_a_dry_run_sends_nothing_and_says_so(fan, template):
    outcome = send_email(fan=fan, template=template, key="k", dry_run=True)
    assert outcome.status == MessageStatus.DRY_RUN and mail.outbox == []
    assert not FanEvent.objects.filter(kind="email_sent").exists()


def test_a_dry_run_still_reports_a_missing_consent(workspace, template):
    fan = Fan.objects.create(workspace=workspace, email="nobody@fans.example")
    assert (
        send_email(fan=fan, template=template, key="k", dry_run=True).status
        == MessageStatus.NO_CONSENT
    )


def test_it_refuses_a_template_of_another_workspace(fan, other_workspace):
    theirs = EmailTemplate.objects.create(
        workspace=other_workspace, name="x", subject="x", text_body="x"
    )
    with pytest.raises(ValueError, match="another workspace"):
        send_email(fan=fan, template=theirs, key="k")
    assert not OutboundMessage.objects.exists()


def test_a_template_that_fails_to_render_is_a_failed_send(fan, template):
    # Saved around the form's checks (e.g. by a data migration): reported, never a crash.
    template.subject = "{% if %}"
    template.save()
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.FAILED and "Template error" in msg(outcome).detail
    assert mail.outbox == []


def test_an_unreachable_mail_server_leaves_the_send_pending_with_a_backoff(fan, template, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    before = timezone.now()
    outcome = send_email(fan=fan, template=template, key="k")
    assert outcome.status == MessageStatus.PENDING and outcome.mail_down
    row = OutboundMessage.objects.get(key="k")
    assert row.status == MessageStatus.PENDING and row.attempts == 1
    assert row.retry_at is not None and row.retry_at > before
    assert "mail server is unavailable" in row.detail and "ConnectionRefusedError" in row.detail
