"""Owners add a TIDAL app on the platforms page: client id and secret (secret encrypted at
rest), no mode or cap; a bad client id is refused with a clear message; outsiders get 404;
in Chromium the form saves the app and the page shows the redirect URI to register."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from fanloop.platforms.models import PlatformApp

TIDAL_ID, TIDAL_SECRET = "fAkEtIdAlClIeNt1", "tidal-secret-value-0123456789"


def _url(slug: str) -> str:
    return f"/w/{slug}/platforms/new/tidal/"


def test_it_creates_a_tidal_app(owner_client, workspace):
    page = owner_client.get(_url(workspace.slug)).content.decode()
    assert 'name="client_id"' in page and 'name="mode"' not in page
    response = owner_client.post(
        _url(workspace.slug),
        {"name": "Tide", "client_id": f" {TIDAL_ID} ", "client_secret": TIDAL_SECRET},
    )
    assert response.status_code == 302
    app = PlatformApp.objects.get(workspace=workspace)
    assert (app.platform, app.client_id, app.client_secret) == ("tidal", TIDAL_ID, TIDAL_SECRET)
    assert (app.mode, app.user_cap) == ("extended", None)
    assert app.credentials().client_id == TIDAL_ID


def test_the_form_says_where_tidal_shows_the_credentials(owner_client, workspace):
    page = owner_client.get(_url(workspace.slug)).content.decode()
    assert "TIDAL developer dashboard" in page
    assert "Apple Developer account" not in page and ".p8" not in page
    assert 'enctype="multipart/form-data"' not in page  # nothing to upload


def test_the_empty_page_offers_every_platform(owner_client, workspace):
    html = owner_client.get(f"/w/{workspace.slug}/platforms/").content.decode()
    for text in ("Add a Spotify app", "Add an Apple Music app", "Add a TIDAL app"):
        assert text in html
    assert f'href="{_url(workspace.slug)}"' in html


def test_it_refuses_a_malformed_client_id(owner_client, workspace):
    response = owner_client.post(
        _url(workspace.slug), {"client_id": "bad-id!", "client_secret": TIDAL_SECRET}
    )
    assert response.status_code == 400
    assert "A TIDAL client id is 8 to 64 letters and digits" in response.content.decode()
    assert not PlatformApp.objects.exists()


def test_it_refuses_outsiders(outsider_client, workspace):
    response = outsider_client.post(
        _url(workspace.slug), {"client_id": TIDAL_ID, "client_secret": TIDAL_SECRET}
    )
    assert response.status_code == 404
    assert not PlatformApp.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_owner_adds_a_tidal_app_in_a_browser(browser, live_server, settings, owner, workspace):
    settings.SITE_URL = live_server.url
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={_url(workspace.slug)}")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{_url(workspace.slug)}")
    page.fill("input[name=name]", "Tide app")
    page.fill("input[name=client_id]", TIDAL_ID)
    page.fill("input[name=client_secret]", TIDAL_SECRET)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/w/{workspace.slug}/platforms/*")
    expect(page.locator("main")).to_contain_text("Tide app")
    expect(page.locator("main")).to_contain_text(f"{live_server.url}/connect/tidal/callback")
    app = PlatformApp.objects.get(workspace=workspace)
    assert (app.platform, app.name, app.client_secret) == ("tidal", "Tide app", TIDAL_SECRET)
    page.close()
