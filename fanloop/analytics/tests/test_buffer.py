"""Hits are written behind the page: in bulk, at least every second, nothing lost on errors."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fanloop.analytics import buffer
from fanloop.analytics.buffer import EventBuffer
from fanloop.analytics.models import DroppedHit, Event
from fanloop.analytics.services import EventRow
from fanloop.analytics.tests.factories import BROWSER_UA
from fanloop.catalog.models import Release


def _row(release: Release, **fields) -> EventRow:
    values: dict[str, Any] = dict.fromkeys(EventRow._fields, "")
    values.update(
        kind="page_view",
        workspace_id=release.artist.workspace_id,
        artist_id=release.artist_id,
        release_id=release.pk,
        visitor_id="0123456789abcdef",
        device_class="desktop",
        created=timezone.now(),
    )
    values.update(fields)
    return EventRow(**values)


def test_it_writes_nothing_until_flushed(release: Release) -> None:
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT=BROWSER_UA)
    assert buffer.events.pending() == 1
    assert Event.objects.count() == 0
    assert buffer.events.flush() == 1
    assert buffer.events.pending() == 0
    assert Event.objects.count() == 1


def test_it_stores_many_events_in_one_go(release: Release, django_assert_max_num_queries) -> None:
    for i in range(1200):
        buffer.events.add_event(_row(release, visitor_id=f"{i:016x}"))
    with django_assert_max_num_queries(8):  # 3 INSERTs of 500 rows, not 1200 statements
        assert buffer.events.flush() == 1200
    assert Event.objects.count() == 1200


def test_it_keeps_the_time_of_the_hit(release: Release) -> None:
    moment = dt.datetime(2030, 3, 1, 12, 34, 56, 789000, tzinfo=dt.UTC)
    buffer.events.add_event(_row(release, created=moment))
    buffer.events.flush()
    assert Event.objects.get().created == moment


def test_it_puts_hits_back_when_the_database_fails(release: Release, monkeypatch) -> None:
    buffer.events.add_event(_row(release))
    buffer.events.add_drop(dt.date(2030, 3, 1), release.pk, "bot")

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(buffer, "save_hits", broken)
    assert buffer.events.flush() == -1
    assert buffer.events.pending() == 2
    monkeypatch.undo()
    assert buffer.events.flush() == 1
    assert DroppedHit.objects.get().count == 1


def test_it_skips_hits_of_releases_deleted_meanwhile(release: Release) -> None:
    buffer.events.add_event(_row(release))
    buffer.events.add_drop(dt.date(2030, 3, 1), release.pk, "bot")
    release.delete()
    assert buffer.events.flush() == 0
    assert not DroppedHit.objects.exists()


def test_it_writes_in_the_request_when_buffering_is_off(
    release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buffer, "BUFFER_SECONDS", 0)
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT=BROWSER_UA)
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT="Twitterbot/1.0")
    assert buffer.events.pending() == 0
    assert Event.objects.count() == 1
    assert DroppedHit.objects.get().count == 1


@pytest.mark.django_db(transaction=True)
def test_its_thread_writes_within_a_second(workspace) -> None:
    from fanloop.analytics.tests.factories import make_artist, make_release

    release = make_release(make_artist(workspace))
    own = EventBuffer(writer_thread=True)  # as in a server (the suite turns it off)
    try:
        own.add_event(_row(release))
        deadline = time.monotonic() + 5
        while not Event.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Event.objects.count() == 1
        assert own.pending() == 0
    finally:
        own.stop()
