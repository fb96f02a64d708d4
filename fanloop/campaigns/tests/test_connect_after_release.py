"""After release the page still brings fans into the progression: a fan connects (over
real HTTP against the emulator) to have the artist's next releases saved, and to be
followed if they tick the box; no pre-save of the release that is out is recorded."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.test import Client

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.analytics.tests.factories import make_release
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.fulfillment.audience import recipients

from .oauth_flow import Flow

AFTER = dt.datetime(2030, 4, 1, 12, tzinfo=dt.UTC)
PAGE = "/nova-lights/midnight-signal"


def test_the_released_page_offers_the_open_sign_ins(flow: Flow) -> None:
    with time_machine.travel(AFTER, tick=False):
        html = Client().get(PAGE).content.decode()
    # Deezer is open to every fan; the development-mode Spotify app only to its testers.
    assert 'formaction="/connect/deezer/start"' in html
    assert "Save future releases on Deezer" in html
    assert "/connect/spotify/start" not in html
    assert 'name="forever" value="1"' in html and 'id="c-follow" name="follow"' in html
    assert "checked" not in html.split('id="c-follow"', 1)[1].split(">", 1)[0]
    assert "future releases to my library when they come out" in html


def test_a_fan_connects_after_release_for_the_next_releases_and_a_follow(flow: Flow) -> None:
    with time_machine.travel(AFTER, tick=True):
        started, back = flow.round_trip(
            "deezer", email="dz@example.org", after="1", forever="1", follow="1"
        )
    perms = parse_qs(urlsplit(started["Location"]).query)["perms"][0]
    assert set(perms.split(",")) >= {"manage_library"}
    assert back.status_code == 200
    assert "Each new release of Nova Lights lands in your library" in back.content.decode()
    fan = Fan.objects.get()
    assert PlatformConnection.objects.get().fan == fan
    assert not PreSave.objects.exists()
    kinds = set(Consent.objects.filter(fan=fan, granted=True).values_list("kind", flat=True))
    assert kinds == {ConsentKind.FOREVER_SAVE, ConsentKind.FOLLOW}
    assert FanEvent.objects.filter(fan=fan, kind=FanEventKind.FOREVER_SAVE_OPTIN).exists()
    # The artist's next release goes to this fan, with the follow.
    following = make_release(
        flow.release.artist, title="Next", slug="next", short_code="nxt0001",
        release_date=dt.date(2030, 6, 1),
    )  # fmt: skip
    [recipient] = recipients(following, "deezer")
    assert recipient.fan_id == fan.pk and recipient.source == "forever_save"
    assert recipient.follow is True


def test_without_the_forever_save_nothing_starts(flow: Flow) -> None:
    with time_machine.travel(AFTER, tick=False):
        response = flow.start("deezer", after="1", follow="1")
        pre_save = flow.start("deezer")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert pre_save["Location"] == PAGE  # a plain pre-save of a release that is out
    assert not Fan.objects.exists()
