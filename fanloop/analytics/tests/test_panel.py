"""The dashboard's per-release panel: views, unique visitors, clicks per platform."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from fanloop.analytics import buffer
from fanloop.analytics.panels import release_summary
from fanloop.analytics.tests.factories import BROWSER_UA, IPHONE_UA, make_release
from fanloop.catalog.models import Release

NOW = dt.datetime(2030, 3, 20, 12, 0, tzinfo=dt.UTC)


def _visit(path: str, ua: str = BROWSER_UA, ip: str = "203.0.113.7") -> None:
    Client().get(path, HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)


def test_it_counts_views_visitors_and_clicks(release: Release) -> None:
    page = "/nova-lights/midnight-signal"
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        _visit(page)  # an older visit: in the totals, not in the last 7 days
    with time_machine.travel(NOW, tick=False):
        _visit(page)
        _visit(page)
        _visit(page, ua=IPHONE_UA)
        _visit(f"{page}/listen/spotify")
        _visit(f"{page}/listen/spotify", ua=IPHONE_UA)
        _visit(f"{page}/listen/deezer")
        _visit(page, ua="Twitterbot/1.0")
        buffer.events.flush()
        summary = release_summary(release)
    assert summary["views"] == 4
    assert summary["visitors"] == 3  # two today, and the same browser 10 days ago anew
    assert summary["clicks"] == {"spotify": 2, "deezer": 1}
    assert summary["total_clicks"] == 3
    assert summary["dropped"] == {"bot": 1}
    assert summary["recent"] == {
        "days": 7,
        "views": 3,
        "visitors": 2,
        "clicks": {"spotify": 2, "deezer": 1},
    }


def test_it_counts_only_its_own_release(release: Release) -> None:
    other = make_release(release.artist, slug="other", title="Other", short_code="zzz9999")
    _visit("/nova-lights/other")
    buffer.events.flush()
    assert release_summary(release)["views"] == 0
    assert release_summary(other)["views"] == 1


def test_it_renders_an_empty_state_with_the_share_link(release: Release) -> None:
    html = render_to_string("analytics/release_panel.html", {"summary": release_summary(release)})
    assert "No visits yet — share your link" in html
    assert 'href="http://127.0.0.1:8000/r/abc1234"' in html


def test_it_asks_to_publish_first_when_unpublished(release: Release) -> None:
    release.published = False
    release.save()
    html = render_to_string("analytics/release_panel.html", {"summary": release_summary(release)})
    assert "Publish the release, then share your link." in html


def test_it_renders_the_numbers_and_the_platform_table(release: Release) -> None:
    _visit("/nova-lights/midnight-signal")
    _visit("/nova-lights/midnight-signal/listen/spotify")
    _visit("/nova-lights/midnight-signal", ua="curl/8.0")
    buffer.events.flush()
    html = render_to_string("analytics/release_panel.html", {"summary": release_summary(release)})
    assert "<b>1</b>page views" in html
    assert '<th scope="row">Spotify</th><td>1</td>' in html
    assert "Not counted: bots and link previews 1." in html


def test_the_release_page_shows_it_between_delivery_and_library_checks(
    owner_client: Client, release: Release
) -> None:
    url = reverse(
        "catalog:release_detail", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    html = owner_client.get(url).content.decode()
    assert "No visits yet — share your link" in html
    delivery, audience, checks = (
        html.index(f'<h2 id="{name}-h">') for name in ("delivery", "audience", "checks")
    )
    assert delivery < audience < checks
