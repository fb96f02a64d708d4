"""In Chromium, from the link of a flow email: a fan with a stored Spotify connection saves
the release in one click; the POST passes CSRF with the browser's own Origin, the album is
in the fan's library at the emulator, and the page's token reaches no other site."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.lib.tests.browser_forms import (
    referer_sent_to_third_party,
    referrer_policy,
    submit,
)
from fanloop.messaging.action_links import action_url

from .ui_fixtures import connect_spotify, register_apps, seed_album

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_fan_saves_the_release_in_one_click(
    browser: Any,
    live_server: Any,
    admin: AdminClient,
    platform_settings: Any,
    workspace: Any,
    release: Release,
    fan: Fan,
) -> None:
    platform_settings.SITE_URL = live_server.url
    apps = register_apps(admin, workspace, live_server.url)
    ids = seed_album(admin, release)
    connect_spotify(admin, fan, apps["spotify"])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    response = page.goto(action_url(fan.pk, release.pk, "save"))
    assert response.headers["referrer-policy"] == "same-origin"
    assert referrer_policy(page) == ""  # no meta tag overrides the header
    assert admin.library("spotify", "fan1")["saved"] == []  # opening the link saves nothing
    submit(page, page.get_by_role("button", name="Save to my library"))
    assert page.get_by_text("Saved to your Spotify library").first.is_visible()
    saved = {entry["id"] for entry in admin.library("spotify", "fan1")["saved"]}
    assert saved == {ids["spotify_album"]}
    event = FanEvent.objects.get(kind=FanEventKind.SAVED)
    assert (event.fan, event.release, event.platform) == (fan, release, "spotify")
    assert referer_sent_to_third_party(page) is None
    context.close()
