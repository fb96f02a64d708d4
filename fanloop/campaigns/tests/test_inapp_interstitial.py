"""Inside an in-app browser the pre-save start explains how to get out first; each way out
is counted, "continue anyway" goes on, and "email me a link" sends one email (rate-limited)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, RequestFactory

from fanloop.analytics import buffer
from fanloop.analytics.models import Event, EventKind
from fanloop.campaigns import notify
from fanloop.campaigns.inapp import inapp_interstitial
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan

from .capture_helpers import (
    INSTAGRAM_UA,
    SAFARI_UA,
    fresh_rate_limits,  # noqa: F401 - autouse fixture
)


def _kinds() -> list[str]:
    buffer.events.flush()
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


def test_it_shows_the_interstitial_to_instagram_on_a_presave_start(release: Release) -> None:
    request = RequestFactory().get(
        f"/connect/spotify/start?release={release.pk}", HTTP_USER_AGENT=INSTAGRAM_UA
    )
    response = inapp_interstitial(request, release, "spotify")
    assert response is not None and response.status_code == 200
    html = response.content.decode()
    assert "Logins often break inside Instagram's browser" in html
    assert "Open in browser" in html and "Copy link" in html and "Email me the link" in html
    assert "inapp=continue" in html
    assert response["Cache-Control"] == "private, no-store"
    assert _kinds() == [EventKind.INAPP_SHOWN]


def test_it_lets_real_browsers_and_continue_anyway_through(release: Release) -> None:
    factory = RequestFactory()
    safari = factory.get("/connect/spotify/start", HTTP_USER_AGENT=SAFARI_UA)
    assert inapp_interstitial(safari, release, "spotify") is None
    anyway = factory.get("/connect/spotify/start?inapp=continue", HTTP_USER_AGENT=INSTAGRAM_UA)
    assert inapp_interstitial(anyway, release, "spotify") is None
    assert _kinds() == [EventKind.INAPP_CONTINUE]


def test_it_shows_the_interstitial_on_the_apple_music_page(release: Release) -> None:
    response = Client(HTTP_USER_AGENT=INSTAGRAM_UA).get(f"/connect/applemusic?release={release.pk}")
    assert response.status_code == 200
    assert "Logins often break inside Instagram's browser" in response.content.decode()


def test_it_offers_an_android_intent_to_open_chrome(release: Release) -> None:
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 Instagram 325.0"
    request = RequestFactory().get("/connect/deezer/start", HTTP_USER_AGENT=android)
    response = inapp_interstitial(request, release, "deezer")
    assert response is not None
    assert 'href="intent://' in response.content.decode()


def test_it_counts_the_client_side_ways_out(release: Release) -> None:
    client = Client(HTTP_USER_AGENT=INSTAGRAM_UA)
    for kind in ("open_browser", "copy_link"):
        data = {"kind": kind, "release": release.pk, "platform": "spotify"}
        assert client.post("/connect/inapp/event", data).status_code == 204
    assert _kinds() == [EventKind.INAPP_OPEN_BROWSER, EventKind.INAPP_COPY_LINK]


def test_it_refuses_unknown_beacons(release: Release) -> None:
    client = Client(HTTP_USER_AGENT=INSTAGRAM_UA)
    bad = [
        {"kind": "page_view", "release": release.pk, "platform": "spotify"},
        {"kind": "copy_link", "release": "999999", "platform": "spotify"},
        {"kind": "copy_link", "release": release.pk, "platform": "napster"},
    ]
    for data in bad:
        assert client.post("/connect/inapp/event", data).status_code == 400
    assert client.get("/connect/inapp/event").status_code == 405
    assert _kinds() == []


def test_it_emails_a_link_once_and_stores_nothing(release: Release) -> None:
    client = Client(HTTP_USER_AGENT=INSTAGRAM_UA, enforce_csrf_checks=True)
    client.get(f"/connect/applemusic?release={release.pk}")
    token = client.cookies["csrftoken"].value
    data = {"release": release.pk, "platform": "spotify", "email": "fan@example.org"}
    assert client.post("/connect/inapp/email", data).status_code == 403  # no CSRF token
    response = client.post("/connect/inapp/email", {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "Link sent" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["fan@example.org"]
    assert "Midnight Signal" in mail.outbox[0].subject
    assert f"release={release.pk}" in mail.outbox[0].body
    assert Fan.objects.count() == 0  # no fan, no consent: the address is not kept
    assert EventKind.INAPP_EMAIL_LINK in _kinds()


def test_it_refuses_a_bad_address_and_rate_limits(
    release: Release, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "RATE_LIMIT", 2)
    client = Client(HTTP_USER_AGENT=INSTAGRAM_UA)
    data = {"release": release.pk, "platform": "spotify"}
    bad = client.post("/connect/inapp/email", {**data, "email": "nope"})
    assert bad.status_code == 400
    assert "Enter a valid email address." in bad.content.decode()
    for _ in range(2):
        sent = client.post("/connect/inapp/email", {**data, "email": "fan@example.org"})
        assert sent.status_code == 200
    limited = client.post("/connect/inapp/email", {**data, "email": "fan@example.org"})
    assert limited.status_code == 429
    assert "Too many emails" in limited.content.decode()
    assert len(mail.outbox) == 2
