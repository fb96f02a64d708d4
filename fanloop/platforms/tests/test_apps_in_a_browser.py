"""In a real browser at phone width: the platforms page fits the screen, the cap bars show,
and the copy button puts the redirect URI on the clipboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

from .app_factories import SPOTIFY_ID_2, connect_fans, deezer_app, spotify_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_fits_a_phone_and_copies_the_redirect_uri(
    browser, live_server, settings, owner, workspace, artifacts: Path
) -> None:
    settings.SITE_URL = live_server.url
    connect_fans(spotify_app(workspace, name="Nearly full"), 4)
    connect_fans(spotify_app(workspace, name="Full", client_id=SPOTIFY_ID_2), 5, start=10)
    deezer_app(workspace, name="Deezer app")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/w/{workspace.slug}/platforms/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/w/{workspace.slug}/platforms/")
    page.screenshot(path=str(artifacts / "platforms-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    bars = page.locator("[role=progressbar]")
    assert bars.count() == 2
    widths = [
        bar.locator("span").evaluate("e => e.getBoundingClientRect().width") for bar in bars.all()
    ]
    full_width = bars.first.evaluate("e => e.getBoundingClientRect().width")
    assert sorted(round(100 * w / full_width) for w in widths) == [80, 100]
    copy = page.locator("button[data-copy]").first
    assert copy.is_visible()
    copy.click()
    expect(copy).to_have_text("Copied")  # not wait_for_function: the CSP forbids eval
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/connect/spotify/callback"
    context.close()
