"""In Chromium: a member opens a release's funnel from the release page, picks a date
range and a breakdown in the form, and reads the numbers the database holds; a range that
ends before it starts is refused with its message. An editor applies the recalibrated
engagement score with its button."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import presaves
from fanloop.fans.models import Fan, PreSave
from fanloop.insights import rollup
from fanloop.insights.models import ReleaseFacts
from fanloop.lib.tests.browser_forms import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def show(page: Any) -> Any:
    """Submit the range form (a GET: it changes nothing) and return its answer."""
    with page.expect_response(lambda r: "/funnel/?" in r.url) as caught:
        page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    return caught.value


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_member_picks_the_funnels_date_range_in_a_browser(
    page: Any, live_server: Any, owner: User, workspace: Workspace
) -> None:
    artist = create_artist(workspace, name="Browser Band")
    release = create_release(
        artist, {"title": "Ranged", "release_date": dt.date.today() + dt.timedelta(days=20)}, []
    )
    for n, source in enumerate(("instagram", "instagram", "tiktok")):
        fan = Fan.objects.create(workspace=workspace, email=f"f{n}@example.org")
        attribution = presaves.Attribution(utm_source=source)
        presaves.record_presave(fan, release, PreSave.EMAIL_ONLY, attribution=attribution)
    rollup.catch_up(settle_seconds=0)
    assert ReleaseFacts.objects.filter(release=release).count() == 3

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.goto(f"{live_server.url}/w/{workspace.slug}/releases/{release.pk}/")
    page.get_by_role("link", name="Funnel of Ranged →").click()
    page.wait_for_load_state()

    today = dt.date.today()
    page.get_by_label("From", exact=True).fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_label("Break down by").select_option("source")
    show(page)
    assert f"start={(today - dt.timedelta(days=1)).isoformat()}" in page.url
    stages = page.locator(".stages tr[data-stage='presaves'] td").first.inner_text()
    assert stages == "3"
    breakdown = page.locator("#breakdown tbody tr")
    rows = {
        breakdown.nth(i).locator("th").inner_text(): breakdown.nth(i)
        .locator("td")
        .nth(2)
        .inner_text()
        for i in range(breakdown.count())
    }
    assert rows == {"instagram": "2", "tiktok": "1"}

    page.get_by_label("From", exact=True).fill(today.isoformat())
    page.get_by_label("To", exact=True).fill((today - dt.timedelta(days=3)).isoformat())
    assert show(page).status == 400
    assert page.get_by_text("The end date is before the start date.").is_visible()
    assert page.locator(".stages").count() == 0


def test_an_editor_applies_the_recalibrated_score_in_a_browser(
    page: Any, live_server: Any, owner: User, workspace: Workspace
) -> None:
    from fanloop.insights.models import ScoreCalibration
    from fanloop.insights.tests.test_calibration import seed_leverage

    seed_leverage(workspace)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/leverage/")
    page.get_by_role("link", name="Recalibrate the engagement score from this table →").click()
    page.wait_for_load_state()
    assert page.locator("#diff tr[data-kind='followed'] ins").inner_text() == "9"
    response = submit(page, page.get_by_role("button", name="Apply these points"))
    assert response.status == 302
    assert ScoreCalibration.objects.get(workspace=workspace).points["followed"] == 9
    assert page.get_by_text("The engagement score now uses the new points.").is_visible()
