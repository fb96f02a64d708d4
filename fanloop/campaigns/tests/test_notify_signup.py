"""Notify me: an email-only pre-save with double opt-in, confirmed by a POST on the link."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, Fan, PreSave

from .capture_helpers import fresh_rate_limits  # noqa: F401 - autouse fixture

NOTIFY = "/nova-lights/midnight-signal/notify"


def _confirm_path() -> str:
    body = str(mail.outbox[-1].body)
    match = re.search(r"https?://[^/\s]+(/e/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def test_it_shows_the_email_wording_unchecked(release: Release) -> None:
    html = Client().get(NOTIFY).content.decode()
    assert "Send me emails from Nova Lights about new releases and news." in html
    checkbox = re.search(r'<input id="notify-consent"[^>]*>', html)
    assert checkbox and "checked" not in checkbox.group(0)


def test_it_records_an_email_presave_confirmed_by_the_link(release: Release, settings) -> None:
    settings.EMAIL_DOUBLE_OPT_IN = True
    client = Client()
    client.get(NOTIFY)
    response = client.post(NOTIFY, {"email": "Fan@Example.org ", "consent": "yes"})
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert len(mail.outbox) == 1
    fan = Fan.objects.get()
    assert fan.email == "fan@example.org" and fan.email_confirmed_at is None
    presave = PreSave.objects.get()
    assert (presave.fan, presave.release, presave.platform) == (fan, release, "email")
    consent = Consent.objects.get()
    assert consent.granted and consent.confirmed_at is None
    assert consent.wording.startswith("Send me emails from Nova Lights")

    path = _confirm_path()
    shown = Client().get(path)  # a link scanner, or the fan opening the mail
    assert shown.status_code == 200
    assert Consent.objects.get().confirmed_at is None  # a GET confirms nothing

    confirmer = Client(enforce_csrf_checks=True)
    page = confirmer.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    done = confirmer.post(path, {"csrfmiddlewaretoken": token.group(1)})
    assert done.status_code == 200
    assert "Email confirmed" in done.content.decode()
    assert Consent.objects.get().confirmed_at is not None
    assert Fan.objects.get().email_confirmed_at is not None


def test_it_confirms_at_once_without_double_opt_in(release: Release, settings) -> None:
    settings.EMAIL_DOUBLE_OPT_IN = False
    response = Client().post(NOTIFY, {"email": "fan@example.org", "consent": "yes"})
    assert "You are on the list" in response.content.decode()
    assert mail.outbox == []
    assert Consent.objects.get().confirmed_at is not None


def test_it_keeps_one_fan_and_one_presave_on_duplicate_submissions(release: Release) -> None:
    client = Client()
    for _ in range(3):
        assert (
            client.post(NOTIFY, {"email": "fan@example.org", "consent": "yes"}).status_code == 200
        )
    assert Fan.objects.count() == 1
    assert PreSave.objects.count() == 1


def test_it_carries_utm_tags_of_the_release_page(release: Release) -> None:
    client = Client()
    page = client.get(
        NOTIFY,
        HTTP_REFERER="http://testserver/nova-lights/midnight-signal?utm_source=ig&utm_campaign=launch",
    )
    html = page.content.decode()
    assert 'name="utm_source" value="ig"' in html
    client.post(
        NOTIFY,
        {
            "email": "fan@example.org",
            "consent": "yes",
            "utm_source": "ig",
            "utm_campaign": "launch",
            "landing_page": "/nova-lights/midnight-signal",
        },
    )
    presave = PreSave.objects.get()
    assert (presave.utm_source, presave.utm_campaign) == ("ig", "launch")
    assert presave.landing_page == "/nova-lights/midnight-signal"
    assert len(presave.visitor_id) == 16  # the visit's daily visitor id, no cookie


def test_it_explains_a_full_platform(release: Release) -> None:
    html = Client().get(NOTIFY, {"reason": "cap", "platform": "spotify"}).content.decode()
    assert "Spotify pre-saves are full for this release" in html
    html = Client().get(NOTIFY, {"reason": "unavailable", "platform": "deezer"}).content.decode()
    assert "Pre-save on Deezer is not open" in html
    html = Client().get(NOTIFY, {"reason": "cap", "platform": "napster"}).content.decode()
    assert "Get an email on release day" in html
