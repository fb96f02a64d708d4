"""A development-mode Spotify app serves only its allow-list, and fanloop cannot tell before
the consent screen whether a visitor is on it: the page's Spotify button leads to the email
path; with accounts mirrored on the app, a tester connect button stands beside it."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.campaigns import pages
from fanloop.catalog.models import Release
from fanloop.fans.models import PreSave
from fanloop.platforms.tests.app_factories import deezer_app, spotify_app

from .capture_helpers import fresh_rate_limits  # noqa: F401 - autouse fixture

PAGE = "/nova-lights/midnight-signal"
EMAIL_PATH = 'href="/nova-lights/midnight-signal/notify?reason=development&amp;platform=spotify"'
SPOTIFY_START = 'formaction="/connect/spotify/start"'


def _connect_button(platform: str, name: str) -> re.Pattern[str]:
    """The page's connect button (its mark before the name)."""
    return re.compile(
        rf'formaction="/connect/{platform}/start"[^>]*>'
        rf"(?:<svg.*?</svg>)?Pre-save on {name}</button>"
    )


BEFORE_RELEASE = dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC)


def _page() -> str:
    pages.clear()
    with time_machine.travel(BEFORE_RELEASE, tick=False):
        response = Client().get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def test_the_spotify_button_is_the_email_path(release: Release) -> None:
    spotify_app(release.artist.workspace)  # development mode, nobody listed
    deezer_app(release.artist.workspace)
    html = _page()
    assert f'id="email-spotify" {EMAIL_PATH}' in html
    assert ">Pre-save on Spotify</a>" in html
    assert "/connect/spotify/start" not in html  # never the consent screen
    assert _connect_button("deezer", "Deezer").search(html)


def test_listed_testers_get_a_connect_button_beside_the_email_path(release: Release) -> None:
    spotify_app(release.artist.workspace, allowed_emails=["tester@example.org"])
    html = _page()
    assert EMAIL_PATH in html
    assert f"{SPOTIFY_START}>On the tester list? Connect with Spotify</button>" in html
    assert "tester@example.org" not in html  # the list itself stays private


def test_an_extended_app_keeps_the_connect_button(release: Release) -> None:
    spotify_app(release.artist.workspace, mode="extended", user_cap=None)
    html = _page()
    assert _connect_button("spotify", "Spotify").search(html)
    assert "reason=development" not in html


def test_the_email_path_records_the_chosen_platform_as_an_email_presave(
    release: Release,
) -> None:
    spotify_app(release.artist.workspace)
    url = f"{PAGE}/notify?reason=development&platform=spotify"
    with time_machine.travel(BEFORE_RELEASE, tick=False):
        page = Client().get(url).content.decode()
        assert "Pre-save on Spotify by email" in page
        response = Client().post(
            url, {"email": "fan@example.org", "consent": "yes", "platform": "spotify"}
        )
        assert response.status_code == 200
        Client().post(url, {"email": "other@example.org", "consent": "yes", "platform": "evil"})
    chosen = dict(PreSave.objects.values_list("fan__email", "chosen_platform"))
    assert chosen == {"fan@example.org": "spotify", "other@example.org": ""}
    assert set(PreSave.objects.values_list("platform", flat=True)) == {PreSave.EMAIL_ONLY}
    # Counted like any pre-save, marked by its mode: platform "email" on the fan event.
    events = FanEvent.objects.filter(kind=FanEventKind.PRESAVED)
    assert set(events.values_list("platform", flat=True)) == {PreSave.EMAIL_ONLY}
    assert events.count() == 2


def test_the_start_sends_nobody_to_spotify_when_nobody_is_listed(release: Release) -> None:
    spotify_app(release.artist.workspace)
    with time_machine.travel(BEFORE_RELEASE, tick=False):
        response = Client().get("/connect/spotify/start", {"release": release.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}/notify?reason=development&platform=spotify"
