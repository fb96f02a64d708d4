"""In a real browser at phone width, an owner mirrors their Spotify app's development-mode
allow-list (User Management in Spotify's dashboard) on the app form; the platforms page then
says who can connect, and warns when Spotify would refuse the redirect URI."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from fanloop.platforms.models import PlatformApp

from .app_factories import spotify_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_lists_the_testers_on_a_phone(
    browser, live_server, settings, owner, workspace
) -> None:
    settings.SITE_URL = live_server.url.replace("127.0.0.1", "localhost")
    app = spotify_app(workspace, name="Dev app")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    edit = f"/w/{workspace.slug}/platforms/{app.pk}/edit/"
    page.goto(f"{live_server.url}/accounts/login/?next={edit}")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{edit}")
    expect(page.locator("#redirect-refused")).to_contain_text("Spotify refuses localhost")
    field = page.get_by_label("Accounts allowed in development mode")
    field.fill("\n".join(f"t{n}@example.org" for n in range(6)))
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#id_allowed_emails_error")).to_contain_text("serves at most 5 accounts")
    field = page.get_by_label("Accounts allowed in development mode")
    field.fill("Me@Example.org\ntester@example.org")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"**/w/{workspace.slug}/platforms/#app-{app.pk}")
    expect(page.locator(f"#app-{app.pk}-mode")).to_contain_text(
        "me@example.org, tester@example.org."
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
    assert PlatformApp.objects.get(pk=app.pk).allowed_emails == [
        "me@example.org",
        "tester@example.org",
    ]
