"""In Chromium: an owner creates an API token on its page (the form's POST passes the CSRF
check with the browser's own Origin), reads the secret shown once, the token works against
the API, and the owner revokes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.api import tokens
from fanloop.api.models import ApiToken
from fanloop.lib.tests.browser_forms import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_an_owner_creates_and_revokes_a_token_in_a_browser(
    page: Any, live_server: Any, owner: User, workspace: Workspace
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_load_state()

    page.get_by_label("Name").fill("Warehouse sync")
    page.get_by_label("Artists and releases").select_option("read")
    page.get_by_label("Fans, their events and pre-saves").select_option("read")
    page.get_by_label("Expires").select_option("30")
    submit(page, page.get_by_role("button", name="Create the token"))

    secret = page.get_by_label("Token", exact=True).input_value()
    token = ApiToken.objects.get()
    assert token.name == "Warehouse sync" and token.workspace == workspace
    assert token.scopes == ["catalog:read", "fans:read"]
    assert token.digest == tokens.digest(secret) and token.expires_at is not None
    answer = httpx.get(
        f"{live_server.url}/api/v1/artists", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 200 and answer.json() == {"items": [], "next": None}

    page.reload()
    assert secret not in page.content()
    submit(page, page.get_by_role("button", name="Revoke Warehouse sync"))
    token.refresh_from_db()
    assert token.revoked_at is not None
    answer = httpx.get(
        f"{live_server.url}/api/v1/artists", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 401
