"""In Chromium: an owner creates a webhook on its page (the form's POST passes the CSRF
check with the browser's own Origin), reads the secret shown once, then rotates it; the
database holds what the forms said."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.lib.tests.browser_forms import submit
from fanloop.webhooks.models import Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_an_owner_creates_and_rotates_a_webhook_in_a_browser(
    page: Any, live_server: Any, owner: User, workspace: Workspace
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Create a webhook").click()
    page.wait_for_load_state()

    # Nothing chosen: the form says what is missing and keeps what was typed.
    page.get_by_label("URL").fill("https://crm.example.com/fanloop")
    submit(page, page.get_by_role("button", name="Create the webhook"))
    assert "Choose at least one event type." in page.content()
    assert not Subscription.objects.exists()

    page.get_by_label("Description").fill("CRM")
    page.get_by_label("Fan: Pre-saved").check()
    page.get_by_label("Release live in a market").check()
    submit(page, page.get_by_role("button", name="Create the webhook"))

    subscription = Subscription.objects.get()
    assert subscription.workspace == workspace
    assert subscription.url == "https://crm.example.com/fanloop"
    assert subscription.description == "CRM"
    assert subscription.event_types == ["fan.presaved", "release.live"]
    shown = page.get_by_label("Secret", exact=True).input_value()
    assert shown == subscription.secret and shown.startswith("whsec_")

    page.reload()
    assert shown not in page.content()
    submit(page, page.get_by_role("button", name="Rotate the secret"))
    subscription.refresh_from_db()
    rotated = page.get_by_label("Secret", exact=True).input_value()
    assert rotated == subscription.secret != shown
    assert subscription.previous_secret == shown
    assert "Rotating" in page.content()
