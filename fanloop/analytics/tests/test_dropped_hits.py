"""Bots, link previews, prefetches and members are not counted, but counted by reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import DroppedHit, Event
from fanloop.analytics.tests.factories import BROWSER_UA, IPHONE_UA
from fanloop.catalog.models import Release

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.32.3",
    "python-httpx/0.28.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/124.0 Safari/537.36",
    "Mozilla/5.0 (compatible; SomeNewCrawler/1.0)",
    "my-spider/0.1",
]
PEOPLE = [
    BROWSER_UA,
    IPHONE_UA,
    # In-app browsers are fans, not previewers.
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Instagram 330.0",
    "Mozilla/5.0 (Linux; Android 13; CUBOT X70) AppleWebKit/537.36 Chrome/124.0 Mobile",
]


def _counts() -> tuple[int, dict[str, int]]:
    buffer.events.flush()
    dropped = dict(DroppedHit.objects.values_list("reason", "count"))
    return Event.objects.count(), dropped


@pytest.mark.parametrize("ua", BOTS)
def test_it_drops_known_bots(release: Release, ua: str) -> None:
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT=ua)
    assert _counts() == (0, {"bot": 1})


@pytest.mark.parametrize("ua", PEOPLE)
def test_it_keeps_people(release: Release, ua: str) -> None:
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT=ua)
    assert _counts() == (1, {})


def test_it_drops_hits_without_a_user_agent(release: Release) -> None:
    Client().get("/nova-lights/midnight-signal")
    assert _counts() == (0, {"no_user_agent": 1})


@pytest.mark.parametrize(
    "header", [{"HTTP_PURPOSE": "prefetch"}, {"HTTP_SEC_PURPOSE": "prefetch;prerender"}]
)
def test_it_drops_prefetches(release: Release, header: dict[str, Any]) -> None:
    Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT=BROWSER_UA, **header)
    assert _counts() == (0, {"prefetch": 1})


def test_it_drops_visits_of_members(release: Release, viewer_client) -> None:
    viewer_client.get("/nova-lights/midnight-signal", HTTP_USER_AGENT=BROWSER_UA)
    viewer_client.get("/nova-lights/midnight-signal/listen/spotify", HTTP_USER_AGENT=BROWSER_UA)
    assert _counts() == (0, {"member": 2})


def test_it_counts_outsiders_like_any_fan(release: Release, outsider_client) -> None:
    outsider_client.get("/nova-lights/midnight-signal", HTTP_USER_AGENT=BROWSER_UA)
    assert _counts() == (1, {})


def test_it_adds_up_dropped_hits_per_day_and_reason(release: Release) -> None:
    day = dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(day, tick=False):
        for _ in range(3):
            Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT="Twitterbot/1.0")
        buffer.events.flush()
        Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT="Twitterbot/1.0")
    with time_machine.travel(day + dt.timedelta(days=1), tick=False):
        Client().get("/nova-lights/midnight-signal", HTTP_USER_AGENT="Twitterbot/1.0")
    buffer.events.flush()
    rows = sorted(DroppedHit.objects.values_list("day", "reason", "count"))
    assert rows == [(dt.date(2030, 3, 1), "bot", 4), (dt.date(2030, 3, 2), "bot", 1)]
