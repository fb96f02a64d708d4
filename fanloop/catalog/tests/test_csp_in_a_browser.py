"""Dashboard pages in Chromium under their Content-Security-Policy: every page's own
scripts still run (they carry the response's nonce), no violation is reported, and a
script injected without the nonce is blocked."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_dashboard_pages_load_without_csp_violations(
    browser, live_server, owner: User, workspace: Workspace, release: Release, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/w/{workspace.slug}/")

    ws = f"{live_server.url}/w/{workspace.slug}"
    pages = [
        f"{ws}/",
        f"{ws}/artists/",
        f"{ws}/releases/{release.pk}/",
        f"{ws}/releases/{release.pk}/edit/",
        f"{ws}/releases/{release.pk}/delivery/",
        f"{ws}/fans/",
        f"{ws}/platforms/",
        f"{live_server.url}/accounts/w/{workspace.slug}/members/",
        f"{live_server.url}/accounts/workspaces/",
    ]
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self' 'nonce-" in policy, url
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], url

    # The pages' own inline scripts ran: they unhide what needs JavaScript.
    page.goto(f"{ws}/releases/{release.pk}/")
    assert page.get_by_role("button", name="Copy").first.is_visible()
    page.goto(f"{ws}/releases/{release.pk}/edit/")
    assert page.get_by_role("button", name="add a track row").is_visible()
    page.screenshot(path=str(artifacts / "csp-release-form.png"), full_page=True)
    assert not [text for text in console if "Content Security Policy" in text]

    # An injected script without the nonce does not run.
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.__injected = true"; document.body.appendChild(s); }"""
    )
    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    context.close()
