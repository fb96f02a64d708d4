"""Bounces and complaints arrive through django-anymail's tracking webhooks: a Postmark
webhook payload, posted with basic auth exactly as Postmark posts it, suppresses the
address in the workspace that sent the message and records the fan event."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from django.test import Client

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.messaging.models import MessageStatus, OutboundMessage, Suppression
from fanloop.messaging.sending import send_email

from .conftest import subscribed_fan

URL = "/webhooks/anymail/postmark/tracking/"
SECRET = "postmark-hook:s3cret-value"


@pytest.fixture(autouse=True)
def _webhooks_on(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def sent(fan, template, release):
    return send_email(fan=fan, template=template, key="k", release=release).message


def _auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _bounce(recipient: str, message_pk: int | None, *, kind: str = "HardBounce") -> dict[str, Any]:
    """Postmark's documented bounce webhook body."""
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {"fanloop_message": str(message_pk)} if message_pk else {},
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": recipient,
        "From": "noreply@fanloop.example",
        "BouncedAt": "2026-06-01T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "First Light is out",
    }


def _post(body: dict[str, Any], **headers: Any) -> Any:
    return Client().post(URL, json.dumps(body), content_type="application/json", **headers)


def test_a_hard_bounce_suppresses_the_address(sent, fan, release):
    response = _post(_bounce(fan.email, sent.pk), **_auth())
    assert response.status_code == 200
    row = Suppression.objects.get()
    assert (row.workspace_id, row.email, row.reason) == (fan.workspace_id, fan.email, "bounced")
    assert "Postmark" in row.detail
    event = FanEvent.objects.get(kind=FanEventKind.EMAIL_BOUNCED)
    assert (event.fan_id, event.release_id, event.data["message"]) == (fan.pk, release.pk, sent.pk)
    assert "bounced" in OutboundMessage.objects.get(pk=sent.pk).detail


def test_the_same_webhook_twice_records_one_event(sent, fan):
    _post(_bounce(fan.email, sent.pk), **_auth())
    _post(_bounce(fan.email, sent.pk), **_auth())
    assert Suppression.objects.count() == 1
    assert FanEvent.objects.filter(kind=FanEventKind.EMAIL_BOUNCED).count() == 1


def test_a_spam_complaint_suppresses_and_blocks_later_sends(sent, fan, template):
    body = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "Type": "SpamComplaint",
        "MessageID": "00000000-0000-0000-0000-000000000001",
        "Metadata": {"fanloop_message": str(sent.pk)},
        "Email": fan.email,
        "BouncedAt": "2026-06-01T16:33:54Z",
        "Description": "The subscriber explicitly marked this message as spam.",
    }
    assert _post(body, **_auth()).status_code == 200
    assert Suppression.objects.get().reason == "complained"
    assert FanEvent.objects.filter(kind=FanEventKind.EMAIL_COMPLAINED, fan=fan).exists()
    assert send_email(fan=fan, template=template, key="next").status == MessageStatus.SUPPRESSED


def test_an_unknown_message_suppresses_the_address_where_it_is_a_fan(
    workspace, other_workspace, fan
):
    theirs = subscribed_fan(other_workspace, fan.email)
    _post(_bounce(fan.email, None), **_auth())
    assert set(Suppression.objects.values_list("workspace_id", flat=True)) == {
        workspace.pk,
        other_workspace.pk,
    }
    assert FanEvent.objects.filter(kind=FanEventKind.EMAIL_BOUNCED).count() == 2
    assert FanEvent.objects.filter(fan=theirs).exists()


def test_a_delivery_event_changes_nothing(sent, fan):
    body = {
        "RecordType": "Delivery",
        "MessageID": "x",
        "Recipient": fan.email,
        "DeliveredAt": "2026-06-01T16:33:54Z",
        "Details": "ok",
        "Metadata": {},
    }
    assert _post(body, **_auth()).status_code == 200
    assert not Suppression.objects.exists()


def test_wrong_or_missing_credentials_are_refused(sent, fan):
    assert _post(_bounce(fan.email, sent.pk), **_auth("postmark-hook:wrong")).status_code == 400
    assert _post(_bounce(fan.email, sent.pk)).status_code == 400
    assert not Suppression.objects.exists()


def test_without_a_secret_the_webhooks_are_off(settings, sent, fan):
    settings.ANYMAIL = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # anymail's "insecure webhook" warning never fires
        assert _post(_bounce(fan.email, sent.pk)).status_code == 404
    assert not Suppression.objects.exists()
