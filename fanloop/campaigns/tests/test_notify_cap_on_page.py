"""At a platform app's user cap the release page offers the email reminder instead of that
platform's pre-save button, and the button comes back (within a second) when a slot frees."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.catalog.models import Release
from fanloop.platforms.tests.app_factories import apple_app, connect_fans, spotify_app

PAGE = "/nova-lights/midnight-signal"
FULL = "Spotify pre-saves are full: get an email on release day"
NOTIFY_LINK = 'href="/nova-lights/midnight-signal/notify?reason=cap&amp;platform=spotify"'


def test_it_swaps_the_button_for_the_email_link_at_the_cap(release: Release) -> None:
    app = spotify_app(release.artist.workspace, user_cap=5)
    connections = connect_fans(app, 5)
    start = dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        html = Client().get(PAGE).content.decode()
        assert FULL in html and NOTIFY_LINK in html
        assert "Pre-save on Spotify" not in html
        assert "Pre-save on Deezer" in html  # other platforms keep their buttons

        connections[0].delete()  # a fan disconnected: a slot is free again
        clock.shift(dt.timedelta(seconds=1.5))
        html = Client().get(PAGE).content.decode()
        assert "Pre-save on Spotify" in html
        assert FULL not in html


def test_it_points_apple_music_to_musickit_when_an_app_exists(release: Release) -> None:
    with time_machine.travel(dt.datetime(2030, 3, 1, tzinfo=dt.UTC), tick=False):
        before = Client().get(PAGE).content.decode()
        apple_app(release.artist.workspace, user_cap=None, mode="extended")
        from fanloop.campaigns import pages

        pages.clear()
        after = Client().get(PAGE).content.decode()
    # The buttons submit the page's GET form, which carries the release.
    musickit = 'type="submit" formaction="/connect/applemusic"'
    assert musickit not in before
    assert 'type="submit" formaction="/connect/applemusic/start"' in before
    assert musickit in after
    assert f'<input type="hidden" name="release" value="{release.pk}">' in after


def test_it_links_to_the_notify_page(release: Release) -> None:
    with time_machine.travel(dt.datetime(2030, 3, 1, tzinfo=dt.UTC), tick=False):
        html = Client().get(PAGE).content.decode()
    assert 'href="/nova-lights/midnight-signal/notify"' in html
