"""A fan on a phone taps "Pre-save on TIDAL" on the release page (the button comes from the
platform registry), logs in and agrees at the emulated TIDAL (OAuth 2.1 + PKCE), and is
back on the thank-you page with a stored TIDAL connection and pre-save. Real browser,
real servers."""

from __future__ import annotations

import pytest

from emulator.testing import AdminClient
from fanloop.catalog.models import Release
from fanloop.fans.models import PreSave
from fanloop.platforms import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TIDAL_ID, TIDAL_SECRET = "fAkEtIdAlClIeNt1", "tidal-secret-value-0123456789"


def test_it_presaves_on_tidal_from_a_phone(
    browser,
    live_server,
    admin: AdminClient,
    emulator_url: str,
    platform_settings,
    release: Release,
    workspace,
) -> None:
    platform_settings.SITE_URL = live_server.url
    platform_settings.PLATFORM_EMULATOR_URL = emulator_url
    admin.app(
        platform="tidal",
        client_id=TIDAL_ID,
        client_secret=TIDAL_SECRET,
        redirect_uris=[f"{live_server.url}/connect/tidal/callback"],
        name="fanloop",
    )
    admin.user(platform="tidal", id="190000055", email="tide@example.org", country="NO")
    services.create_app(workspace, "tidal", client_id=TIDAL_ID, client_secret=TIDAL_SECRET)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_role("button", name="Pre-save on TIDAL").click()
    page.wait_for_url(f"{emulator_url}/tidal/login/**")
    page.locator("input[name=email]").fill("tide@example.org")
    page.locator("input[name=password]").fill("x")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.locator("#auth-accept").click()
    page.wait_for_url(f"{live_server.url}/nova-lights/midnight-signal/thanks")
    assert page.locator("h1").inner_text() == "You're all set"
    assert "will be in your TIDAL library" in page.content()
    context.close()
    presave = PreSave.objects.get()
    assert presave.platform == "tidal" and presave.connection is not None
    assert presave.connection.platform_user_id == "190000055"
    assert presave.connection.refresh_token
