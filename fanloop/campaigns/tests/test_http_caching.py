"""Public pages are cacheable, revalidate with ETag/Last-Modified, and never outlive a mode."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from fanloop.campaigns import pages
from fanloop.catalog.models import Release

LONG_BEFORE = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)
RELEASE = dt.datetime(2030, 3, 15, tzinfo=dt.UTC)  # midnight in London (GMT)


def test_it_allows_public_caching_for_a_short_time(release: Release) -> None:
    with time_machine.travel(LONG_BEFORE, tick=False):
        response = Client().get("/nova-lights/midnight-signal")
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"] == "Fri, 01 Mar 2030 12:00:00 GMT"


def test_it_caps_the_lifetime_at_the_release_instant(
    release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_CACHE_SECONDS", 300)
    with time_machine.travel(RELEASE - dt.timedelta(seconds=90), tick=False):
        response = Client().get("/nova-lights/midnight-signal")
    assert response["Cache-Control"] == "public, max-age=90"


def test_it_answers_304_when_the_etag_matches(release: Release) -> None:
    client = Client()
    with time_machine.travel(LONG_BEFORE, tick=False):
        first = client.get("/nova-lights/midnight-signal")
        second = client.get("/nova-lights/midnight-signal", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304
    assert second.content == b""
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "public, max-age=60"


def test_it_answers_304_when_not_modified_since(release: Release) -> None:
    client = Client()
    with time_machine.travel(LONG_BEFORE, tick=False):
        first = client.get("/nova-lights/midnight-signal")
    with time_machine.travel(LONG_BEFORE + dt.timedelta(seconds=30), tick=False):
        second = client.get(
            "/nova-lights/midnight-signal", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )
    assert second.status_code == 304


def test_it_sends_the_new_page_when_the_etag_is_stale(release: Release) -> None:
    client = Client()
    with time_machine.travel(LONG_BEFORE, tick=False):
        first = client.get("/nova-lights/midnight-signal")
        release.title = "New Title"
        release.save()
        second = client.get("/nova-lights/midnight-signal", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert b"New Title" in second.content
    assert second["ETag"] != first["ETag"]


def test_it_changes_the_etag_when_the_mode_switches(release: Release) -> None:
    client = Client()
    with time_machine.travel(RELEASE - dt.timedelta(seconds=1), tick=False):
        before = client.get("/nova-lights/midnight-signal")
    with time_machine.travel(RELEASE, tick=False):
        after = client.get("/nova-lights/midnight-signal", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert b"Listen on Spotify" in after.content


def test_it_keeps_the_countdown_text_fresh(release: Release) -> None:
    client = Client()
    with time_machine.travel(RELEASE - dt.timedelta(days=3, hours=1), tick=False):
        assert b"Out in 3 days" in client.get("/nova-lights/midnight-signal").content
    with time_machine.travel(RELEASE - dt.timedelta(hours=47), tick=False):
        assert b"Out in 47 hours" in client.get("/nova-lights/midnight-signal").content
    with time_machine.travel(RELEASE - dt.timedelta(seconds=100), tick=False):
        assert b"Out in a moment" in client.get("/nova-lights/midnight-signal").content
