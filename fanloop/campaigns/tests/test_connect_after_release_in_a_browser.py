"""In Chromium at phone width: on a released page a fan ticks "follow", taps "Save future
releases on Spotify", agrees at the emulated Spotify (extended quota, over real HTTP) and
is back with a confirmation; the database holds the connection and both consents, and no
pre-save."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.analytics.tests.factories import make_artist, make_release
from fanloop.fans.models import Consent, ConsentKind, PlatformConnection, PreSave
from fanloop.platforms import services
from fanloop.platforms.tests.app_factories import SPOTIFY_ID, SPOTIFY_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_fan_signs_up_for_the_next_releases_after_release(
    browser, live_server, admin: AdminClient, platform_settings, workspace
) -> None:
    platform_settings.SITE_URL = live_server.url
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[f"{live_server.url}/connect/spotify/callback"],
        mode="extended",
    )
    admin.user(platform="spotify", id="latefan", email="late@example.org", country="GB")
    services.create_app(
        workspace, "spotify", name="Main", client_id=SPOTIFY_ID, client_secret=SPOTIFY_SECRET,
        mode="extended", user_cap=None,
    )  # fmt: skip
    make_release(
        make_artist(workspace),
        release_date=(timezone.now() - dt.timedelta(days=2)).date(),
        album_ids={"spotify": "4aawyAB9vmqN3uQ7FjRGTy"},
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_label("Follow Nova Lights on my streaming account.").check()
    page.get_by_role("button", name="Save future releases on Spotify").click()
    page.wait_for_url(f"{admin.base_url}/**")
    if page.locator("input[name=email]").count():
        page.locator("input[name=email]").fill("late@example.org")
        page.locator("input[name=password]").fill("x")
        page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.locator("#auth-accept").click()
    page.wait_for_url(f"{live_server.url}/connect/spotify/callback**")
    assert "Each new release of Nova Lights lands in your library" in page.content()
    context.close()
    connection = PlatformConnection.objects.get()
    assert connection.platform_user_id == "latefan"
    assert "user-follow-modify" in connection.scope_set
    kinds = set(
        Consent.objects.filter(fan=connection.fan, granted=True).values_list("kind", flat=True)
    )
    assert kinds == {ConsentKind.FOREVER_SAVE, ConsentKind.FOLLOW}
    assert not PreSave.objects.exists()
