"""The flow editor in Chromium with the keyboard only (Tab, Shift+Tab, Enter, Space, arrow
keys; no mouse click), at phone and desktop widths: a 6-step flow built with htmx (add,
change type, move, remove, live summaries), saved, and its stored definition checked; and
one add / move / remove round with JavaScript off (every action a submit button).

Screenshots go to ``screenshot_dir`` (docs/screenshots/ with ``make screenshots``;
referenced from the README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.flows.defaults import create_default_flow
from fanloop.flows.models import Flow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Tab presses allowed to reach one element (the page has fewer focusable elements).
MAX_TABS = 150
# Arrow presses allowed to reach one option of a select.
MAX_ARROWS = 40
BUSY = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def _log_in(browser: Any, base: str, user: User, size: str, js: bool = True) -> Any:
    context = browser.new_context(viewport=SIZES[size], java_script_enabled=js)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url
    return page


def _idle(page: Any) -> None:
    """Wait until htmx has no request in flight and no swap under way."""
    page.wait_for_function(BUSY)


def _focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => document.activeElement?.matches(s) ?? false", selector))


def _tab_to(page: Any, selector: str, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until the focused element matches ``selector``."""
    for _ in range(MAX_TABS):
        if _focused(page, selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def _choose(page: Any, text: str, js: bool = True) -> None:
    """On the focused select, press arrow keys until the option starting with ``text``
    is selected (each change may post a live summary: wait for it)."""
    for key in ("ArrowUp", "ArrowDown"):
        for _ in range(MAX_ARROWS):
            chosen = page.evaluate("() => document.activeElement.selectedOptions[0].text")
            if chosen.startswith(text):
                return
            before = chosen
            page.keyboard.press(key)
            if js:
                _idle(page)
            if page.evaluate("() => document.activeElement.selectedOptions[0].text") == before:
                break  # the first or last option: go the other way
    raise AssertionError(f"no option {text!r}")


def _type_into(page: Any, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def _add(page: Any, label: str) -> None:
    """Add a step with the keyboard; the focus lands on the new step."""
    _tab_to(page, "#add-type")
    _choose(page, label, js=False)
    page.keyboard.press("Tab")
    assert _focused(page, "#add-step")
    page.keyboard.press("Enter")
    _idle(page)


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_six_step_flow_is_built_with_the_keyboard_only(
    browser: Any,
    live_server: Any,
    owner: User,
    workspace: Workspace,
    templates: Any,
    screenshot_dir: Path,
    size: str,
) -> None:
    page = _log_in(browser, live_server.url, owner, size)
    page.goto(f"{live_server.url}/w/{workspace.slug}/flows/new/")
    _type_into(page, "input[name=name]", "Keyboard flow")

    _add(page, "Send email")
    assert _focused(page, "#step-h-1")
    page.keyboard.press("Tab")
    assert _focused(page, "select[name=steps-0-template]")
    _choose(page, "It's out")
    assert page.inner_text("#summary-1") == "Send email “It's out”."
    # The warnings follow what is on screen, without a reload.
    assert page.locator("[data-warning=listen_no_save_prompt]").is_visible()

    _add(page, "Wait")
    assert _focused(page, "#step-h-2")
    _type_into(page, "input[name=steps-1-amount]", "2")
    page.keyboard.press("Tab")  # the change posts the live summary
    _idle(page)
    assert page.inner_text("#summary-2") == "Wait 2 days."

    _add(page, "Condition")
    _tab_to(page, "select[name=steps-2-check]")
    _choose(page, "Only fans who have not saved")
    assert page.inner_text("#summary-3") == (
        "Only fans who have not saved the release; the others leave the flow."
    )

    _add(page, "Send email")
    _tab_to(page, "select[name=steps-3-template]")
    _choose(page, "Save it")
    assert page.locator("[data-warning=listen_no_save_prompt]").count() == 0

    # A webhook added by mistake: its type changed to a tag, then moved up, then kept.
    _add(page, "Call a webhook")
    assert _focused(page, "#step-h-5")
    _tab_to(page, "#retype-4")
    _choose(page, "Add tag", js=False)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _idle(page)
    assert page.inner_text("#step-h-5") == "Step 5 · Add tag"
    _type_into(page, "input[name=steps-4-tag]", "keyboard")
    page.keyboard.press("Tab")
    _idle(page)

    _add(page, "Follow the artist for the fan")
    _add(page, "Add tag")  # one too many: removed below
    _tab_to(page, "button[value='remove:6']")
    page.keyboard.press("Space")
    _idle(page)
    assert page.locator("fieldset.step").count() == 6
    assert _focused(page, "#step-h-6")

    # The tag goes before the save prompt: focus stays on the button, so a second press
    # would move it again.
    _tab_to(page, "button[value='up:4']", back=True)
    page.keyboard.press("Enter")
    _idle(page)
    assert _focused(page, "button[value='up:3']")
    assert page.inner_text("#step-h-4") == "Step 4 · Add tag"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    _shoot(page, screenshot_dir, f"flow-editor-{size}")

    _tab_to(page, "input[name=name]", back=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the form's first button: Save
    flow = Flow.objects.get(name="Keyboard flow")
    assert page.url.endswith(f"/w/{workspace.slug}/flows/{flow.pk}/")
    version = flow.current_version
    assert version is not None
    assert version.steps == [
        {"id": "email1", "type": "email", "template": templates["listen"].pk},
        {"id": "wait1", "type": "wait", "duration_s": 2 * 86400},
        {
            "id": "if1",
            "type": "condition",
            "check": "has_saved",
            "negate": True,
            "if_false": "exit",
        },
        {"id": "hook1", "type": "tag", "tag": "keyboard"},
        {"id": "email2", "type": "email", "template": templates["save"].pk},
        {"id": "follow1", "type": "api_follow"},
    ]
    page.context.close()


def test_add_move_remove_without_javascript(
    browser: Any,
    live_server: Any,
    owner: User,
    workspace: Workspace,
    templates: Any,
    screenshot_dir: Path,
) -> None:
    page = _log_in(browser, live_server.url, owner, "phone", js=False)
    page.goto(f"{live_server.url}/w/{workspace.slug}/flows/new/")
    _type_into(page, "input[name=name]", "Plain form")
    for label, tag in (("Add tag", "one"), ("Add tag", "two")):
        _tab_to(page, "#add-type")
        _choose(page, label, js=False)
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        index = page.locator("fieldset.step").count() - 1
        _type_into(page, f"input[name=steps-{index}-tag]", tag)
    _tab_to(page, "button[value='up:1']", back=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.input_value("input[name=steps-0-tag]") == "two"
    _tab_to(page, "button[value='remove:1']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("fieldset.step").count() == 1
    assert page.input_value("input[name=name]") == "Plain form"
    _shoot(page, screenshot_dir, "flow-editor-no-js-phone")
    _tab_to(page, "input[name=name]", back=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    version = Flow.objects.get(name="Plain form").current_version
    assert version is not None
    assert version.steps == [{"id": "tag2", "type": "tag", "tag": "two"}]
    page.context.close()


def test_a_flow_starts_from_a_template_with_the_keyboard(
    browser: Any, live_server: Any, owner: User, workspace: Workspace
) -> None:
    default = create_default_flow(workspace)
    assert default.current_version is not None
    page = _log_in(browser, live_server.url, owner, "phone")
    page.goto(f"{live_server.url}/w/{workspace.slug}/flows/new/")
    _tab_to(page, "#starter")
    _choose(page, "Re-engage lapsed fans", js=False)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("fieldset.step").count() == 6
    assert page.inner_text("#summary-2") == (
        "Only fans who did nothing since the release; the others leave the flow."
    )
    _tab_to(page, "input[name=name]", back=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    flow = Flow.objects.get(name="Re-engage lapsed fans")
    version = flow.current_version
    assert version is not None and version.trigger == "release_live"
    assert [step["id"] for step in version.steps] == [
        "wait-7d",
        "lapsed",
        "reminder",
        "wait-3d",
        "still-not-saved",
        "save-prompt",
    ]
    assert version.steps[1]["negate"] is True
    page.context.close()
