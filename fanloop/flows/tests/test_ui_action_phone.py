"""A fan on a phone opens the "follow the artist" link of a flow email, ticks the consent,
signs in at the emulated Spotify for exactly the follow scope, and lands on the done page.
Real browser, real servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection
from fanloop.lib.tests.browser_forms import submit
from fanloop.messaging.action_links import action_url

from .ui_fixtures import register_apps, seed_album

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_fan_follows_the_artist_from_a_phone(
    browser: Any,
    live_server: Any,
    admin: AdminClient,
    platform_settings: Any,
    release: Release,
    workspace: Any,
    fan: Fan,
    artifacts: Path,
) -> None:
    platform_settings.SITE_URL = live_server.url
    register_apps(admin, workspace, live_server.url)
    ids = seed_album(admin, release)
    admin.user(platform="spotify", id="phonefan", email="fan1@example.org", country="DE")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    response = page.goto(action_url(fan.pk, release.pk, "follow"))
    assert response.headers["referrer-policy"] == "same-origin"
    assert page.locator("h1").inner_text() == "Follow Nova Lights"
    assert submit(page, page.get_by_role("button", name="Follow Nova Lights")).status == 400
    assert "Tick the box to follow Nova Lights" in page.content()
    page.get_by_role("checkbox").check()
    submit(page, page.get_by_role("button", name="Follow Nova Lights"))
    page.wait_for_url(f"{admin.base_url}/**")
    assert "scope=user-follow-modify" in page.url
    page.locator("input[name=email]").fill("fan1@example.org")
    page.locator("input[name=password]").fill("x")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.locator("#auth-accept").click()
    page.wait_for_url(f"{live_server.url}/a/**/done")
    assert page.locator("h1").inner_text() == "You follow Nova Lights on Spotify"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling on a phone
    page.screenshot(path=str(artifacts / "flow-action-follow-phone.png"), full_page=True)
    context.close()
    connection = PlatformConnection.objects.get(fan=fan)
    assert connection.scope_set == {"user-follow-modify"}
    assert Consent.objects.get(kind=ConsentKind.FOLLOW).granted
    assert FanEvent.objects.filter(fan=fan, kind=FanEventKind.FOLLOWED).count() == 1
    follows = {e["id"] for e in admin.library("spotify", "phonefan")["follows"]}
    assert follows == {ids["spotify_artist"]}
