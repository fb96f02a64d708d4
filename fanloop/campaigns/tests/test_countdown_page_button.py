"""With a Spotify Countdown Page pasted on the release, the pre-save page offers “Pre-save
inside the Spotify app”: each click goes through fanloop, is counted, and lands there."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import BROWSER_UA
from fanloop.campaigns import pages
from fanloop.catalog.models import Release
from fanloop.platforms.tests.app_factories import spotify_app

PAGE = "/nova-lights/midnight-signal"
COUNTDOWN = "https://open.spotify.com/prerelease/4BZmdFJxc4sxUmnCtqgjtq"
BEFORE_RELEASE = dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC)
AFTER_RELEASE = dt.datetime(2030, 3, 20, 12, tzinfo=dt.UTC)


def _page(at: dt.datetime) -> str:
    pages.clear()
    with time_machine.travel(at, tick=False):
        return Client().get(PAGE).content.decode()


def test_the_page_offers_it_beside_the_email_path(release: Release) -> None:
    spotify_app(release.artist.workspace)  # development mode: the email path
    assert "Pre-save inside the Spotify app" not in _page(BEFORE_RELEASE)
    Release.objects.filter(pk=release.pk).update(in_app_presave_url=COUNTDOWN)
    html = _page(BEFORE_RELEASE)
    assert f'id="in-app-spotify" href="{PAGE}/in-app"' in html
    assert ">Pre-save inside the Spotify app</a>" in html
    assert "reason=development" in html  # the email path stays beside it
    assert COUNTDOWN not in html  # only through the counted redirect
    assert "Pre-save inside the Spotify app" not in _page(AFTER_RELEASE)


def test_each_click_is_counted_then_sent_to_spotify(release: Release) -> None:
    Release.objects.filter(pk=release.pk).update(in_app_presave_url=COUNTDOWN)
    response = Client().get(f"{PAGE}/in-app", HTTP_USER_AGENT=BROWSER_UA)
    assert response.status_code == 302
    assert response["Location"] == COUNTDOWN
    assert response["Cache-Control"] == "no-store"
    assert Client().head(f"{PAGE}/in-app", HTTP_USER_AGENT=BROWSER_UA).status_code == 302
    buffer.events.flush()
    event = Event.objects.get()  # the HEAD (a link checker) is not counted
    assert (event.kind, event.platform, event.release_id) == (
        "click",
        "spotify:in-app",
        release.pk,
    )


def test_it_is_404_without_a_link_or_for_a_draft(release: Release) -> None:
    assert Client().get(f"{PAGE}/in-app").status_code == 404
    Release.objects.filter(pk=release.pk).update(in_app_presave_url=COUNTDOWN, published=False)
    assert Client().get(f"{PAGE}/in-app").status_code == 404
