"""After release the page offers every service the release has (pasted or found), counts a
click per service, and keeps capturing fans: the email sign-up, with double opt-in."""

from __future__ import annotations

import datetime as dt
import gzip
import re

import time_machine
from django.core import mail
from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import BROWSER_UA
from fanloop.catalog.listen_links import set_listen_links
from fanloop.catalog.models import ListenLink, Release
from fanloop.fans.models import Consent, Fan, PreSave

from .capture_helpers import fresh_rate_limits  # noqa: F401 - autouse fixture

AFTER = dt.datetime(2030, 4, 1, 12, tzinfo=dt.UTC)
PAGE = "/nova-lights/midnight-signal"
PASTED = {
    "applemusic": "https://music.apple.com/gb/album/midnight-signal/1440857781",
    "tidal": "https://tidal.com/browse/album/77640617",
    "youtubemusic": "https://music.youtube.com/playlist?list=OLAK5uy_abc",
    "amazonmusic": "https://music.amazon.com/albums/B0CXYZ1234",
    "soundcloud": "https://soundcloud.com/nova-lights/sets/midnight-signal",
    "bandcamp": "https://novalights.bandcamp.com/album/midnight-signal",
    "custom": "https://shop.novalights.example/vinyl",
}
ORDER = [
    "spotify", "applemusic", "deezer", "tidal", "youtubemusic", "amazonmusic", "soundcloud",
    "bandcamp", "custom",
]  # fmt: skip


def everywhere(release: Release) -> None:
    """Spotify and Deezer found by their album ids (the fixture), the rest pasted."""
    set_listen_links(release, PASTED, custom_label="Vinyl shop")


def test_it_offers_every_service_in_order(release: Release) -> None:
    everywhere(release)
    with time_machine.travel(AFTER, tick=False):
        html = Client().get(PAGE).content.decode()
    keys = re.findall(r'<li data-s="([a-z]+)">', html)
    assert keys == ORDER
    assert "Listen on TIDAL" in html and "Listen on Vinyl shop" in html
    assert "Listen on Amazon Music" in html and "Listen on YouTube Music" in html
    # The page links to its own click counter, never straight to a service.
    assert "tidal.com" not in html


def test_each_click_is_counted_per_service_then_redirected(release: Release) -> None:
    everywhere(release)
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    for key in ORDER:
        response = client.get(f"{PAGE}/listen/{key}")
        assert response.status_code == 302, key
        if key in PASTED:
            assert response["Location"] == PASTED[key]
    buffer.events.flush()
    clicks = Event.objects.filter(kind="click", release=release)
    assert sorted(clicks.values_list("platform", flat=True)) == sorted(ORDER)


def test_a_service_without_a_link_has_no_button_and_no_redirect(release: Release) -> None:
    set_listen_links(release, {"tidal": PASTED["tidal"]})
    assert Client().get(f"{PAGE}/listen/bandcamp").status_code == 404
    assert Client().get(f"{PAGE}/listen/nope").status_code == 404


def test_a_stored_link_the_rules_now_refuse_is_not_offered(release: Release) -> None:
    ListenLink.objects.create(release=release, service="tidal", url="https://evil.example/")
    with time_machine.travel(AFTER, tick=False):
        html = Client().get(PAGE).content.decode()
    assert "Listen on TIDAL" not in html
    assert Client().get(f"{PAGE}/listen/tidal").status_code == 404


def test_new_links_show_at_once(release: Release) -> None:
    with time_machine.travel(AFTER, tick=False):
        assert "Listen on TIDAL" not in Client().get(PAGE).content.decode()
        set_listen_links(release, {"tidal": PASTED["tidal"]})
        assert "Listen on TIDAL" in Client().get(PAGE).content.decode()


def test_nine_services_fit_the_size_budget(release: Release) -> None:
    everywhere(release)
    release.description = "x" * 2000
    release.save()
    with time_machine.travel(AFTER, tick=False):
        body = Client().get(PAGE).content
    assert len(gzip.compress(body)) <= 30 * 1024


def test_the_script_remembering_the_choice_is_allowed_by_the_pages_policy(
    release: Release,
) -> None:
    everywhere(release)
    with time_machine.travel(AFTER, tick=False):
        response = Client().get(PAGE)
    html = response.content.decode()
    assert "localStorage" in html and 'id="listen"' in html
    assert "script-src 'sha256-" in response["Content-Security-Policy"]
    assert "Set-Cookie" not in response


def test_after_release_the_email_link_signs_fans_up_with_double_opt_in(
    release: Release, settings
) -> None:
    settings.EMAIL_DOUBLE_OPT_IN = True
    with time_machine.travel(AFTER, tick=False):
        client = Client()
        html = client.get(PAGE).content.decode()
        assert 'href="/nova-lights/midnight-signal/notify">Get emails from Nova Lights' in html
        form = client.get(f"{PAGE}/notify").content.decode()
        assert "Get emails from Nova Lights" in form and "Email me on release day" not in form
        response = client.post(f"{PAGE}/notify", {"email": "late@example.org", "consent": "yes"})
    assert response.status_code == 200
    fan = Fan.objects.get()
    assert fan.email == "late@example.org"
    consent = Consent.objects.get(fan=fan)
    assert consent.kind == "email" and consent.confirmed_at is None
    # Out already: an email sign-up, not a pre-save of a release the fan can play now.
    assert not PreSave.objects.exists()
    assert len(mail.outbox) == 1
