"""A fan on a phone-width Chromium pre-saves on Apple Music through MusicKit JS (the
emulator's stand-in): Apple's window opens, the fan signs in and agrees, fanloop stores the
connection and the pre-save, and the fan lands on the thank-you page. Declining saves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanloop.catalog.models import Release
from fanloop.fans.consents import render
from fanloop.fans.models import Consent, ConsentKind, PlatformConnection, PreSave

from .capture_helpers import apple_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def apple_ready(admin, platform_settings, release: Release, emulator_url: str):
    platform_settings.APPLE_MUSICKIT_JS_URL = f"{emulator_url}/apple/musickit/v3/musickit.js"
    admin.user(platform="apple", id="ap1", email="ap@example.org", country="FR")
    return apple_app(admin, release.artist.workspace, mode="extended", user_cap=None)


def _authorize(browser, url: str, agree: bool):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(url)
    return _sign_in(page, agree)


def _sign_in(page, agree: bool):
    """On the MusicKit page: Apple's window, sign-in, and the fan's answer."""
    button = page.get_by_role("button", name="Continue with Apple Music")
    button.wait_for()
    page.wait_for_function("!document.getElementById('apple-authorize').disabled")
    with page.expect_popup() as popup_info:
        button.click()
    popup = popup_info.value
    popup.wait_for_selector("#email")
    popup.fill("#email", "ap@example.org")
    popup.fill("#password", "anything")
    popup.click("#login-button")
    popup.wait_for_selector("#auth-accept")
    popup.click("#auth-accept" if agree else "#auth-cancel")
    return page


def test_it_presaves_on_apple_music_in_a_phone_browser(
    browser, live_server, apple_ready, release: Release, artifacts: Path
) -> None:
    page = _authorize(browser, f"{live_server.url}/connect/applemusic?release={release.pk}", True)
    page.wait_for_url("**/nova-lights/midnight-signal/thanks", wait_until="domcontentloaded")
    assert "Midnight Signal" in page.title()
    page.screenshot(path=str(artifacts / "apple-presave-phone.png"))
    connection = PlatformConnection.objects.get()
    assert (connection.platform, connection.country) == ("applemusic", "FR")
    assert PreSave.objects.get().platform == "applemusic"


def test_it_saves_nothing_when_the_fan_declines(
    browser, live_server, apple_ready, release: Release
) -> None:
    page = _authorize(browser, f"{live_server.url}/connect/applemusic?release={release.pk}", False)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "nothing was saved" in alert.inner_text()
    assert page.get_by_role("button", name="Try again").is_visible()
    assert PlatformConnection.objects.count() == 0 and PreSave.objects.count() == 0


def test_the_pages_ticked_verify_box_is_carried_through_musickit(
    browser, live_server, apple_ready, release: Release
) -> None:
    """A Music-User-Token reads the library as well as it writes it: the consent the fan
    ticked on the pre-save page is logged with the pre-save, with no further screen."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_role("checkbox", name=render(ConsentKind.VERIFY, "Nova Lights")[1]).check()
    page.get_by_role("button", name="Pre-save on Apple Music").click()
    page.wait_for_url("**/connect/applemusic?*verify=1*")
    _sign_in(page, True).wait_for_url(
        "**/nova-lights/midnight-signal/thanks", wait_until="domcontentloaded"
    )
    context.close()
    presave = PreSave.objects.get()
    assert presave.platform == "applemusic"
    consent = Consent.objects.get()
    version, wording = render(ConsentKind.VERIFY, "Nova Lights")
    assert (consent.kind, consent.granted, consent.fan) == (ConsentKind.VERIFY, True, presave.fan)
    assert (consent.wording_version, consent.wording) == (version, wording)
