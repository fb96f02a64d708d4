"""Visitors are told apart without cookies: a hash that rotates every day."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import DailySalt, Event
from fanloop.analytics.services import forget_cached_salts
from fanloop.analytics.tests.factories import BROWSER_UA, IPHONE_UA
from fanloop.catalog.models import Release

DAY = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)


def _visit(ua: str = BROWSER_UA, ip: str = "203.0.113.7") -> None:
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)


def _ids() -> list[str]:
    buffer.events.flush()
    return list(Event.objects.order_by("id").values_list("visitor_id", flat=True))


def test_it_keeps_the_same_id_within_a_day(release: Release) -> None:
    with time_machine.travel(DAY, tick=False):
        _visit()
    with time_machine.travel(DAY + dt.timedelta(hours=14), tick=False):
        _visit()
    first, second = _ids()
    assert first == second
    assert len(first) == 16


def test_it_gives_a_new_id_the_next_day(release: Release) -> None:
    with time_machine.travel(DAY, tick=False):
        _visit()
    with time_machine.travel(DAY + dt.timedelta(days=1), tick=False):
        _visit()
    first, second = _ids()
    assert first != second


def test_it_tells_apart_devices_and_addresses(release: Release) -> None:
    with time_machine.travel(DAY, tick=False):
        _visit()
        _visit(ua=IPHONE_UA)
        _visit(ip="198.51.100.1")
    assert len(set(_ids())) == 3


def test_it_deletes_old_salts_so_days_cannot_be_linked(release: Release) -> None:
    for offset in range(4):
        forget_cached_salts()  # as a new process would
        with time_machine.travel(DAY + dt.timedelta(days=offset), tick=False):
            _visit()
    days = sorted(DailySalt.objects.values_list("day", flat=True))
    assert days == [dt.date(2030, 3, 3), dt.date(2030, 3, 4)]


def test_it_shares_one_salt_between_processes(release: Release) -> None:
    with time_machine.travel(DAY, tick=False):
        _visit()
        forget_cached_salts()  # another process reads the same day's salt
        _visit()
    first, second = _ids()
    assert first == second
    assert DailySalt.objects.count() == 1


def test_it_stores_no_address_and_no_user_agent(release: Release) -> None:
    with time_machine.travel(DAY, tick=False):
        _visit()
    buffer.events.flush()
    values = " ".join(str(v) for v in Event.objects.values().get().values())
    assert "203.0.113.7" not in values
    assert "Safari" not in values
