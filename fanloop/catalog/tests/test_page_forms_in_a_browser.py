"""The new dashboard forms in Chromium, the database checked after each: the release page's
look and words (theme, accent, text after release), the artist's links and platform ids
(TIDAL's too), the link builder and the public pre-save counter on the share page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.lib.tests.browser_forms import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_sets_the_page_look_links_and_counter_in_a_browser(
    browser,
    live_server,
    settings,
    editor: User,
    workspace: Workspace,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    artist = create_artist(workspace, name="Nova Lights")
    release = create_release(
        artist, {"title": "Midnight Signal", "release_date": dt.date(2030, 3, 15)}
    )
    base = f"{live_server.url}/w/{workspace.slug}"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, page.locator("main button[type=submit]"))

    page.goto(f"{base}/artists/{artist.pk}/edit/")
    page.get_by_label("TIDAL artist link").fill("https://listen.tidal.com/artist/3346")
    page.get_by_label("Spotify artist link").fill("open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF")
    page.get_by_label("Instagram link").fill("https://instagram.com/novalights")
    page.get_by_label("Website link").fill("novalights.example")  # no https: refused
    assert submit(page, page.get_by_role("button", name="Save artist")).status == 400
    page.locator("#error-summary").get_by_role("link", name="Website link").click()
    expect(page.get_by_label("Website link")).to_be_focused()
    expect(page.get_by_label("Instagram link")).to_have_value("https://instagram.com/novalights")
    expect(page.get_by_label("TIDAL artist link")).to_have_value(
        "https://listen.tidal.com/artist/3346"
    )
    page.get_by_label("Website link").fill("https://novalights.example")
    submit(page, page.get_by_role("button", name="Save artist"))
    artist = Artist.objects.get(pk=artist.pk)
    assert artist.website_url == "https://novalights.example"
    assert artist.instagram_url == "https://instagram.com/novalights"
    assert platform_ids.artist_ids(artist) == {"spotify": "0OdUWJ0sBjDrqHygGUXeCF", "tidal": "3346"}
    assert platform_ids.artist_links(artist)["tidal"] == "https://tidal.com/artist/3346"
    page.goto(f"{base}/artists/")
    expect(page.get_by_role("link", name="TIDAL")).to_have_attribute(
        "href", "https://tidal.com/artist/3346"
    )

    page.goto(f"{base}/releases/{release.pk}/edit/")
    page.get_by_label("Text after release").fill("Out now. Thank you!")
    page.get_by_label("Light").check()
    page.get_by_label("Accent colour").fill("#3366FF")
    page.get_by_label("TIDAL album link or id").fill("77646168")
    submit(page, page.get_by_role("button", name="Save release"))
    assert platform_ids.release_ids(Release.objects.get(pk=release.pk)) == {"tidal": "77646168"}
    release = Release.objects.get(pk=release.pk)
    assert release.post_release_description == "Out now. Thank you!"
    assert (release.theme, release.accent_color) == ("light", "#3366ff")

    page.get_by_role("link", name="Share tools").click()
    page.get_by_label("Source").fill("discord")
    page.get_by_label("Medium").fill("community")
    page.get_by_role("button", name="Build the link").click()
    expect(page.locator("#built-link")).to_contain_text("utm_source=discord&utm_medium=community")
    submit(page, page.get_by_role("button", name="Show the counter on the page"))
    expect(page.get_by_role("button", name="Hide the counter")).to_be_visible()
    assert Release.objects.get(pk=release.pk).show_presave_count
    expect(page.locator(".qr svg")).to_be_visible()
    assert page.locator(".share-images img").first.evaluate("i => i.naturalWidth") == 1080
    page.screenshot(path=str(screenshot_dir / "share-tools-desktop.png"), full_page=True)
    context.close()
