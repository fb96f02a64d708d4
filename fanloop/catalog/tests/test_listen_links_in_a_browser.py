"""The "Listen links" form in Chromium: a refused link keeps the others typed and says why;
the saved links are rows in the database and buttons on the released page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import ListenLink
from fanloop.catalog.services import create_artist, create_release
from fanloop.lib.tests.browser_forms import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_pastes_listen_links_in_a_browser(
    browser, live_server, editor: User, workspace: Workspace
) -> None:
    artist = create_artist(workspace, name="Nova Lights")
    release = create_release(
        artist, {"title": "Midnight Signal", "release_date": dt.date(2020, 3, 15)}
    )
    release.published = True
    release.save()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, page.locator("main button[type=submit]"))

    page.goto(f"{live_server.url}/w/{workspace.slug}/releases/{release.pk}/")
    page.get_by_role("link", name="Listen links", exact=False).click()
    page.get_by_label("TIDAL").fill("https://tidal.com/browse/album/77640617")
    page.get_by_label("SoundCloud").fill("http://soundcloud.com/nova-lights")  # not https
    assert submit(page, page.get_by_role("button", name="Save listen links")).status == 400
    assert "Paste the https:// address" in page.locator("main").inner_text()
    expect(page.get_by_label("TIDAL")).to_have_value("https://tidal.com/browse/album/77640617")
    assert not ListenLink.objects.exists()

    page.get_by_label("SoundCloud").fill("https://soundcloud.com/nova-lights")
    page.locator("#id_url_custom").fill("https://shop.novalights.example/")
    page.get_by_label("Custom link's name").fill("Vinyl shop")
    submit(page, page.get_by_role("button", name="Save listen links"))
    stored = {link.service: (link.url, link.label) for link in ListenLink.objects.all()}
    assert stored == {
        "tidal": ("https://tidal.com/browse/album/77640617", ""),
        "soundcloud": ("https://soundcloud.com/nova-lights", ""),
        "custom": ("https://shop.novalights.example/", "Vinyl shop"),
    }
    assert "Listen links saved." in page.locator("body").inner_text()

    public = browser.new_page()
    public.goto(f"{live_server.url}/nova-lights/midnight-signal")
    names = public.locator("#listen li a").all_inner_texts()
    assert [n.strip() for n in names] == [
        "Listen on TIDAL", "Listen on SoundCloud", "Listen on Vinyl shop",
    ]  # fmt: skip
    public.close()
    page.close()
