"""Quiet hours in the fan's own time zone (their country's), DST included: a message due
at night is deferred (PENDING, ``retry_at`` = the end of the quiet hours) and sent when the
engine calls again with the same key."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from fanloop.fans.models import Fan
from fanloop.messaging import sending_rules
from fanloop.messaging.models import MessageStatus, OutboundMessage
from fanloop.messaging.quiet_hours import fan_time_zone, quiet_hours_end
from fanloop.messaging.sending import send_email
from fanloop.messaging.sending_rules import rules_for

from .conftest import msg, subscribed_fan

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _quiet(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "21:00-09:00")


def _end(fan: Fan, now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours of the fan's workspace (the install's: it set none)."""
    return quiet_hours_end(fan, now, rules_for([fan.workspace_id])[fan.workspace_id].quiet_hours)


def _at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_fan_time_zone_comes_from_the_country(workspace, settings):
    assert fan_time_zone(Fan(workspace=workspace, country="JP")) == ZoneInfo("Asia/Tokyo")
    assert fan_time_zone(Fan(workspace=workspace, country="us")) == ZoneInfo("America/New_York")
    settings.TIME_ZONE = "Europe/Paris"
    assert fan_time_zone(Fan(workspace=workspace, country="")) == ZoneInfo("Europe/Paris")
    assert fan_time_zone(Fan(workspace=workspace, country="ZZ")) == ZoneInfo("Europe/Paris")


def test_a_message_at_night_waits_for_the_morning_and_then_goes(workspace, template):
    fan = subscribed_fan(workspace, "tokyo@fans.example", country="JP")
    night = _at(2026, 6, 1, 14, 0)  # 23:00 in Tokyo
    outcome = send_email(fan=fan, template=template, key="k", now=night)
    assert outcome.status == MessageStatus.PENDING
    assert outcome.retry_at == _at(2026, 6, 2, 0, 0)  # 09:00 in Tokyo
    row = OutboundMessage.objects.get(key="k")
    assert (row.status, row.retry_at) == (MessageStatus.PENDING, outcome.retry_at)
    assert mail.outbox == []

    later = send_email(fan=fan, template=template, key="k", now=outcome.retry_at)
    assert later.status == MessageStatus.SENT and msg(later).pk == row.pk
    assert len(mail.outbox) == 1


def test_the_same_instant_is_day_for_one_fan_and_night_for_another(workspace, template):
    now = _at(2026, 6, 1, 12, 0)  # 08:00 in New York, 14:00 in Berlin
    berlin = subscribed_fan(workspace, "b@fans.example", country="DE")
    new_york = subscribed_fan(workspace, "ny@fans.example", country="US")
    assert send_email(fan=berlin, template=template, key="b", now=now).status == "sent"
    deferred = send_email(fan=new_york, template=template, key="n", now=now)
    assert deferred.retry_at == _at(2026, 6, 1, 13, 0)  # 09:00 EDT


def test_the_end_of_quiet_hours_counts_a_dst_change_in_between(workspace):
    fan = subscribed_fan(workspace, "ny@fans.example", country="US")
    # 01:30 EST on the night clocks spring forward at 02:00: 09:00 is EDT (UTC-4).
    assert _end(fan, _at(2026, 3, 8, 6, 30)) == _at(2026, 3, 8, 13, 0)
    # And in autumn, 09:00 after falling back is EST (UTC-5).
    assert _end(fan, _at(2026, 11, 1, 5, 30)) == _at(2026, 11, 1, 14, 0)


def test_the_window_edges(workspace):
    fan = subscribed_fan(workspace, "utc@fans.example", country="GB")  # London, BST in June
    assert _end(fan, _at(2026, 6, 1, 19, 59)) is None  # 20:59
    assert _end(fan, _at(2026, 6, 1, 20, 0)) == _at(2026, 6, 2, 8, 0)  # 21:00
    assert _end(fan, _at(2026, 6, 2, 7, 59)) == _at(2026, 6, 2, 8, 0)  # 08:59
    assert _end(fan, _at(2026, 6, 2, 8, 0)) is None  # 09:00


def test_a_daytime_window_and_no_window(workspace, monkeypatch):
    fan = subscribed_fan(workspace, "utc@fans.example", country="IS")  # Iceland: UTC all year
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "12:00-14:00")
    assert _end(fan, _at(2026, 1, 5, 13, 0)) == _at(2026, 1, 5, 14, 0)
    assert _end(fan, _at(2026, 1, 5, 15, 0)) is None
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    assert _end(fan, _at(2026, 1, 5, 23, 0)) is None


def test_a_malformed_setting_is_a_clear_error(workspace, monkeypatch):
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "late-early")
    with pytest.raises(ValueError, match="quiet hours must look like"):
        _end(Fan(workspace=workspace), _at(2026, 1, 1, 0, 0))


def test_a_suppression_during_the_wait_wins(workspace, template):
    fan = subscribed_fan(workspace, "tokyo@fans.example", country="JP")
    outcome = send_email(fan=fan, template=template, key="k", now=_at(2026, 6, 1, 14, 0))
    from fanloop.messaging.suppressions import unsubscribe

    unsubscribe(fan)
    later = send_email(fan=fan, template=template, key="k", now=outcome.retry_at)
    assert later.status == MessageStatus.SUPPRESSED and mail.outbox == []
