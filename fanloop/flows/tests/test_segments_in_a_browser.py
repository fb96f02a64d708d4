"""In Chromium: an editor builds a segment with the form (no script needed), counts and
previews it before saving, saves it, finds it with its members, and deletes it."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor
from fanloop.catalog.models import Release
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.flows.models import Segment
from fanloop.lib.tests.browser_forms import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_an_editor_builds_previews_saves_and_deletes_a_segment(
    page: Any, live_server: Any, editor: User, workspace: Workspace, release: Release
) -> None:
    keen = Fan.objects.create(workspace=workspace, email="keen@example.org", country="GB")
    record_consent(keen, "email", True, page="/p", confirmed=True)
    record_fan_event(keen, "saved", key="k", actor=Actor.FAN, release=release)
    quiet = Fan.objects.create(workspace=workspace, email="quiet@example.org", country="GB")
    record_consent(quiet, "email", True, page="/p", confirmed=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.goto(f"{live_server.url}/w/{workspace.slug}/")
    page.get_by_role("link", name="Segments").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="New segment").click()
    page.wait_for_load_state()

    page.get_by_label("Name").fill("Engaged UK")
    page.get_by_label("Countries").fill("gb")
    page.get_by_label("Emails from the artist").check()
    page.get_by_label("Act 1: what").select_option("saved")
    page.get_by_label("Act 1: on the release").select_option(str(release.pk))
    submit(page, page.get_by_role("button", name="Count and preview"))
    assert page.locator("#preview-count").inner_text() == "1"
    assert "keen@example.org" in page.content() and "quiet@example.org" not in page.content()
    assert not Segment.objects.exists()

    submit(page, page.get_by_role("button", name="Save segment"))
    segment = Segment.objects.get()
    assert segment.name == "Engaged UK"
    assert segment.rules["countries"] == ["GB"] and segment.rules["consents"] == ["email"]
    assert segment.rules["actions"][0]["release"] == release.pk
    assert page.locator("#segment-count").inner_text() == "1"

    page.get_by_role("link", name="Edit").click()
    page.wait_for_load_state()
    page.get_by_label("Act 1: the fan").select_option("did_not")
    submit(page, page.get_by_role("button", name="Save segment"))
    segment.refresh_from_db()
    assert segment.rules["actions"][0]["did"] is False
    assert "quiet@example.org" in page.content() and "keen@example.org" not in page.content()

    submit(page, page.get_by_role("button", name="Delete this segment"))
    assert not Segment.objects.exists()
