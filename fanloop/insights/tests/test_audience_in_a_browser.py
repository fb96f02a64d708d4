"""In Chromium: an editor imports an audience export with the upload form (a bad file is
refused with its line errors and nothing is written; a good one lands in the database and
in the page's table), then asks the forecast what if the follow prompt converted 5 points
more, through the plain GET form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.catalog.services import create_artist, create_release
from fanloop.insights import loop
from fanloop.insights.models import AudiencePoint
from fanloop.lib.tests.browser_forms import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_an_editor_imports_an_export_and_asks_what_if_in_a_browser(
    page: Any, live_server: Any, editor: User, workspace: Workspace, tmp_path: Path
) -> None:
    artist = create_artist(workspace, name="Browser Band")
    create_release(artist, {"title": "First", "release_date": dt.date(2026, 3, 1)}, [])
    bad = tmp_path / "bad.csv"
    bad.write_text("date,followers\n2026-02-01,100\n2026-02-02,lots\n")
    good = tmp_path / "good.csv"
    good.write_text("Date,Fans,Listeners\n2026-02-01,100,40\n2026-02-28,120,50\n")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/artists/{artist.pk}/audience/")

    page.get_by_label("Export from").select_option("deezer_for_creators")
    page.get_by_label("CSV file").set_input_files(str(bad))
    response = submit(page, page.get_by_role("button", name="Import"))
    assert response.status == 400
    errors = page.locator("#import-errors").inner_text()
    assert "line 3: followers 'lots' is not a whole number of at least 0." in errors
    assert not AudiencePoint.objects.exists()

    page.get_by_label("Export from").select_option("deezer_for_creators")
    page.get_by_label("CSV file").set_input_files(str(good))
    submit(page, page.get_by_role("button", name="Import"))
    assert "Imported 2 days from Deezer for Creators" in page.content()
    stored = dict(
        AudiencePoint.objects.filter(artist=artist, day=dt.date(2026, 2, 28)).values_list(
            "metric", "value"
        )
    )
    assert stored == {"followers": 120, "listeners": 50}
    row = page.locator("#releases tbody tr").first
    assert row.locator("th").inner_text() == "First"
    assert row.locator("td").nth(1).inner_text() == "120"  # followers on its release day

    page.get_by_role("link", name="Forecast and what-if →").click()
    page.wait_for_load_state()
    page.get_by_label("Follow-prompt conversion (points more)").fill("5")
    with page.expect_response(lambda r: "/forecast/?" in r.url) as caught:
        page.get_by_role("button", name="Forecast").click()
    page.wait_for_load_state()
    assert caught.value.status == 200
    assert "follow_points=5" in page.url
    expected = loop.forecast(artist, loop.WhatIf(follow_points=5), dt.date.today()).steps
    cells = page.locator("#forecast tbody tr").nth(1).locator("td")
    assert cells.nth(0).inner_text() == f"{expected[1].followers:.0f}"
    assert cells.nth(1).inner_text() == f"{expected[1].engaged:.0f}"
    assert "default from public observations" in page.locator("#rates").inner_text()
    # An out-of-range what-if is refused with its message, in the page.
    page.get_by_label("Follow-prompt conversion (points more)").fill("90")
    with page.expect_response(lambda r: "/forecast/?" in r.url) as caught:
        page.get_by_role("button", name="Forecast").click()
    assert caught.value.status == 400
    assert "less than or equal to 50" in page.content()
