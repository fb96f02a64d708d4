"""In Chromium, from the link of a flow email: a fan with a stored Spotify connection saves
the release in one click; the POST passes CSRF with the browser's own Origin, the album is
in the fan's library at the emulator, and the page's token reaches no other site."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog import platform_ids
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


def test_a_fan_on_apple_music_only_is_told_the_truth_about_follow_and_save(
    browser: Any,
    live_server: Any,
    admin: AdminClient,
    platform_settings: Any,
    workspace: Any,
    release: Release,
    fan: Fan,
) -> None:
    """Spotify and Deezer apps are there; the fan's only connection is Apple Music. The
    follow page offers no other platform to sign up to; the save page offers Apple Music."""
    from fanloop.fans import identity
    from fanloop.platforms.base import Profile, Tokens
    from fanloop.platforms.tests.app_factories import apple_app

    platform_settings.SITE_URL = live_server.url
    register_apps(admin, workspace, live_server.url)
    seed_album(admin, release)
    platform_ids.write_release_ids(release, {"applemusic": "1440857781"})
    identity.upsert_fan_for_connection(
        workspace,
        apple_app(workspace),
        Profile(user_id=None, country="US"),
        Tokens(access_token="music-user-token", scopes=frozenset()),
        fan=fan,
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(action_url(fan.pk, release.pk, "follow"))
    assert page.get_by_role("heading", name="Nothing to follow from here").is_visible()
    assert page.get_by_text("Apple Music has no way to follow an artist").is_visible()
    assert page.get_by_role("radio").count() == 0 and page.get_by_role("checkbox").count() == 0
    assert page.get_by_role("button").count() == 0
    page.goto(action_url(fan.pk, release.pk, "save"))
    assert page.get_by_role("radio", name="Apple Music").is_checked()  # the fan's own first
    assert page.get_by_role("radio", name="Spotify").is_visible()
    assert page.get_by_text("Apple Music is not offered here").count() == 0
    context.close()
