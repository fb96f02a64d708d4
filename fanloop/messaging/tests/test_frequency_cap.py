"""The frequency cap: at most the cap of flow emails per fan per window; the next
one is deferred (CAPPED, ``retry_at`` = when the oldest leaves the window). Test sends
and other fans do not count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from fanloop.fans.models import Fan
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.sending import SendOutcome, send_email, send_test_email

from .conftest import msg, subscribed_fan

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _send_at(fan: Fan, template: EmailTemplate, key: str, when: dt.datetime) -> SendOutcome:
    outcome = send_email(fan=fan, template=template, key=key, now=when)
    if outcome.status == MessageStatus.SENT:  # the clock of the test, not the wall's
        OutboundMessage.objects.filter(pk=msg(outcome).pk).update(sent_at=when)
    return outcome


def test_the_fourth_email_in_the_window_waits(fan, template):
    for hour in range(3):
        assert _send_at(fan, template, f"k{hour}", T0 + dt.timedelta(hours=hour)).status == "sent"
    capped = _send_at(fan, template, "k3", T0 + dt.timedelta(hours=5))
    assert capped.status == MessageStatus.CAPPED
    assert capped.retry_at == T0 + dt.timedelta(hours=72)
    row = OutboundMessage.objects.get(key="k3")
    assert row.status == MessageStatus.PENDING and row.retry_at == capped.retry_at
    assert len(mail.outbox) == 3

    assert _send_at(fan, template, "k3", capped.retry_at).status == MessageStatus.SENT
    assert len(mail.outbox) == 4


def test_the_cap_is_per_fan(workspace, fan, template):
    other = subscribed_fan(workspace, "other@fans.example")
    for hour in range(3):
        _send_at(fan, template, f"k{hour}", T0 + dt.timedelta(hours=hour))
    assert _send_at(other, template, "o", T0 + dt.timedelta(hours=4)).status == "sent"


def test_test_sends_do_not_count(fan, template):
    for _ in range(3):
        send_test_email(template, to="alice@example.org", now=T0)
    assert _send_at(fan, template, "k", T0).status == MessageStatus.SENT


def test_a_cap_of_zero_turns_it_off(fan, template, monkeypatch):
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)
    for n in range(5):
        assert _send_at(fan, template, f"k{n}", T0 + dt.timedelta(minutes=n)).status == "sent"


def test_the_window_length_is_a_setting(fan, template, monkeypatch):
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 1)
    monkeypatch.setattr(sending_rules, "DEFAULT_WINDOW_HOURS", 24)
    _send_at(fan, template, "a", T0)
    capped = _send_at(fan, template, "b", T0 + dt.timedelta(hours=1))
    assert capped.status == MessageStatus.CAPPED and capped.retry_at == T0 + dt.timedelta(hours=24)
