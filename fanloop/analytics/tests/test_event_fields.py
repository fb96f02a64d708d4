"""A page view keeps its source: UTM parameters, referrer host, device class, country."""

from __future__ import annotations

from typing import Any

from django.test import Client, override_settings

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import BROWSER_UA, IPHONE_UA
from fanloop.catalog.models import Release

IPAD_UA = "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
ANDROID_TABLET_UA = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/124.0"
ANDROID_PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
)


def _view(query: str = "", **headers: Any) -> Event:
    headers.setdefault("HTTP_USER_AGENT", BROWSER_UA)
    Client().get(f"/nova-lights/midnight-signal{query}", **headers)
    buffer.events.flush()
    return Event.objects.latest("id")


def test_it_records_a_page_view_of_the_release(release: Release) -> None:
    event = _view()
    assert event.kind == "page_view"
    assert (event.release_id, event.artist_id) == (release.pk, release.artist_id)
    assert event.workspace_id == release.artist.workspace_id
    assert event.platform == ""


def test_it_records_utm_parameters(release: Release) -> None:
    event = _view(
        "?utm_source=instagram&utm_medium=story&utm_campaign=launch"
        "&utm_term=synth&utm_content=video-1&other=x"
    )
    assert (event.utm_source, event.utm_medium, event.utm_campaign) == (
        "instagram",
        "story",
        "launch",
    )
    assert (event.utm_term, event.utm_content) == ("synth", "video-1")


def test_it_truncates_long_utm_values_and_strips_control_characters(release: Release) -> None:
    event = _view("?utm_source=" + "a" * 500 + "&utm_medium=%0Aemail%00")
    assert event.utm_source == "a" * 100
    assert event.utm_medium == "email"


def test_it_keeps_only_the_referrer_host(release: Release) -> None:
    event = _view(HTTP_REFERER="https://www.instagram.com/p/secret-post?igsh=123")
    assert event.referrer_host == "instagram.com"


def test_it_counts_our_own_pages_as_direct(release: Release) -> None:
    assert _view(HTTP_REFERER="http://testserver/r/abc1234").referrer_host == ""
    with override_settings(SITE_URL="https://fans.example.org"):
        assert _view(HTTP_REFERER="https://fans.example.org/x").referrer_host == ""


def test_it_survives_a_malformed_referrer(release: Release) -> None:
    assert _view(HTTP_REFERER="http://[broken").referrer_host == ""


def test_it_classifies_devices(release: Release) -> None:
    assert _view(HTTP_USER_AGENT=BROWSER_UA).device_class == "desktop"
    assert _view(HTTP_USER_AGENT=IPHONE_UA).device_class == "mobile"
    assert _view(HTTP_USER_AGENT=ANDROID_PHONE_UA).device_class == "mobile"
    assert _view(HTTP_USER_AGENT=IPAD_UA).device_class == "tablet"
    assert _view(HTTP_USER_AGENT=ANDROID_TABLET_UA).device_class == "tablet"


def test_it_records_a_valid_country_only(release: Release) -> None:
    assert _view(HTTP_CF_IPCOUNTRY="de").country == "DE"
    assert _view(HTTP_CF_IPCOUNTRY="XX").country == ""
    assert _view(HTTP_CF_IPCOUNTRY="Germany").country == ""
    assert _view().country == ""
