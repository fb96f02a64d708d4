"""A fan on a phone taps "Pre-save on Spotify" on the live release page, logs in and agrees
at the emulated Spotify, and is back on the thank-you page. Real browser, real servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import AdminClient
from fanloop.catalog.models import Release
from fanloop.fans.models import PlatformConnection, PreSave

from .capture_helpers import TESTER_BUTTON, live_spotify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_it_presaves_on_spotify_from_a_phone(
    browser,
    live_server,
    admin: AdminClient,
    platform_settings,
    release: Release,
    workspace,
    artifacts: Path,
) -> None:
    # The redirect URI is built from SITE_URL: it must be the live server's address.
    live_spotify(
        admin, platform_settings, live_server, workspace,
        user_id="phonefan", email="phone@example.org",
    )  # fmt: skip
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_role("button", name=TESTER_BUTTON).click()
    page.wait_for_url(f"{admin.base_url}/**")
    page.locator("input[name=email]").fill("phone@example.org")
    page.locator("input[name=password]").fill("x")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.locator("#auth-accept").click()
    page.wait_for_url(f"{live_server.url}/nova-lights/midnight-signal/thanks")
    assert page.locator("h1").inner_text() == "You're all set"
    assert "will be in your Spotify library on 15 March 2030" in page.content()
    page.screenshot(path=str(artifacts / "presave-spotify-phone-thanks.png"), full_page=True)
    context.close()
    presave = PreSave.objects.get()
    assert presave.platform == "spotify"
    assert presave.connection is not None
    assert presave.connection.platform_user_id == "phonefan"


def test_the_thank_you_page_promises_a_follow_only_once_it_is_allowed(
    browser,
    live_server,
    admin: AdminClient,
    platform_settings,
    release: Release,
    workspace,
) -> None:
    """Pre-saved with a save-only sign-in, the fan ticks Follow: the page says only that a
    reconnect is needed; after reconnecting at the emulated Spotify, it says the follow is
    set up (and the connection holds the follow scope)."""
    live_spotify(
        admin, platform_settings, live_server, workspace,
        user_id="phonefan", email="phone@example.org",
    )  # fmt: skip
    thanks = f"{live_server.url}/nova-lights/midnight-signal/thanks"
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()

    def agree_at_spotify() -> None:
        page.wait_for_url(f"{admin.base_url}/**")
        if page.locator("input[name=email]").count():
            page.locator("input[name=email]").fill("phone@example.org")
            page.locator("input[name=password]").fill("x")
            page.locator("form button[type=submit], form input[type=submit]").first.click()
        page.locator("#auth-accept").click()
        page.wait_for_url(f"{thanks}**")

    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_role("button", name=TESTER_BUTTON).click()
    agree_at_spotify()
    assert "user-follow-modify" not in PlatformConnection.objects.get().scope_set

    follow = page.get_by_role("group", name="Follow")
    follow.get_by_role("checkbox").check()
    follow.get_by_role("button", name="Follow Nova Lights").click()
    page.wait_for_url(f"{thanks}?done=follow")
    status = page.get_by_role("status").first.inner_text()
    assert status == "One more step: reconnect below to allow following Nova Lights."
    assert "we'll follow" not in page.locator("main").inner_text()

    page.get_by_role("link", name="Reconnect Spotify to allow following").click()
    agree_at_spotify()
    assert "user-follow-modify" in PlatformConnection.objects.get().scope_set
    text = page.locator("main").inner_text()
    assert (
        "Following Nova Lights is set up: on release day we'll follow Nova Lights for you "
        "on Spotify." in text
    )
    assert "Reconnect" not in text and "One more step" not in text
    context.close()
