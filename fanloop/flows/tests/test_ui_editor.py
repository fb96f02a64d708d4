"""In a real browser with JavaScript off: an editor builds a flow step by step (add, fill,
save), sees the warning it earns, fixes it, and activates the flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from fanloop.flows.models import Flow, FlowStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_builds_and_activates_a_flow_without_javascript(
    browser: Any, live_server: Any, owner: Any, workspace: Any, templates: Any, artifacts: Path
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/w/{workspace.slug}/flows/new/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/w/{workspace.slug}/flows/new/")
    page.fill("input[name=name]", "Release week")
    page.select_option("select[name=trigger]", "presaved")

    page.select_option("#add-type", "email")
    page.click("button[name=op][value=add]")
    page.select_option("select[name=steps-0-template]", label="It's out")
    page.click("button[name=op][value=check]")
    assert page.locator("[data-warning=listen_no_save_prompt]").is_visible()
    assert page.input_value("input[name=name]") == "Release week"

    page.select_option("#add-type", "wait")
    page.click("button[name=op][value=add]")
    page.fill("input[name=steps-1-amount]", "2")
    page.select_option("#add-type", "email")
    page.click("button[name=op][value=add]")
    page.select_option("select[name=steps-2-template]", label="Save it")
    page.click("button[name=op][value=check]")
    assert page.locator("[data-warning]").count() == 0
    page.screenshot(path=str(artifacts / "flow-editor.png"), full_page=True)

    page.locator("button[name=op][value=save]").first.click()
    flow = Flow.objects.get(name="Release week")
    page.wait_for_url(f"**/w/{workspace.slug}/flows/{flow.pk}/")
    steps = page.locator("table.flow-steps tbody tr")
    assert steps.count() == 3
    assert "Wait 2 days" in steps.nth(1).inner_text()
    page.get_by_role("button", name="Activate").click()
    assert "is now active" in page.content()
    page.screenshot(path=str(artifacts / "flow-page.png"), full_page=True)
    context.close()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.ACTIVE
