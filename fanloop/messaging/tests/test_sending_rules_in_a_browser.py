"""In Chromium, an editor sets the workspace's sending rules on their page: the form is
submitted from the page (CSRF with the browser's own Origin), a bad value is refused with
an error next to its field, and the saved rules are checked in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.lib.tests.browser_forms import submit
from fanloop.messaging.models import SendingRules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_sets_the_sending_rules_in_a_browser(
    browser: Any, live_server: Any, settings: Any, editor: User, workspace: Workspace
) -> None:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.goto(f"{live_server.url}/w/{workspace.slug}/email/rules/")

    page.get_by_label("Most flow emails per fan").fill("60")
    submit(page, page.get_by_role("button", name="Save the rules"))
    expect(page.get_by_role("alert")).to_contain_text("Please fix the problem below.")
    # Once in the summary at the top (a link to the field), once next to the field.
    summary = page.locator("#error-summary")
    expect(summary.get_by_role("link", name="Most flow emails per fan")).to_be_visible()
    expect(page.locator(".field").get_by_text("less than or equal to 50")).to_be_visible()
    assert not SendingRules.objects.exists()

    page.get_by_label("Most flow emails per fan").fill("2")
    page.get_by_label("Window (hours)").fill("48")
    page.get_by_label("Quiet hours start").fill("22:30")
    page.get_by_label("Quiet hours end").fill("07:15")
    submit(page, page.get_by_role("button", name="Save the rules"))
    expect(page.get_by_text("Sending rules saved")).to_be_visible()
    row = SendingRules.objects.get(workspace=workspace)
    assert (row.frequency_cap, row.frequency_window_hours) == (2, 48)
    assert (row.quiet_start, row.quiet_end) == (dt.time(22, 30), dt.time(7, 15))
    context.close()
