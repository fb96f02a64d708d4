"""In Chromium, at phone and desktop width: every insights page of the demo artist (three
releases of history and "First Light") shows the numbers the database holds: the funnel, the
leverage table, release over release, the forecast and both reports.

Screenshots go to ``screenshot_dir`` (docs/screenshots/ with ``make screenshots``; the README's
insights section shows them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fanloop.catalog.models import Release
from fanloop.fans.models import PreSave
from fanloop.insights import leverage
from fanloop.lib.tests.browser_forms import submit
from fanloop.ops.demo_history import seed_history
from fanloop.ops.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


# Elements that reach past the window's right edge (the page would scroll sideways), outside
# the tables' own scrolling boxes.
WIDE = """[...document.querySelectorAll('body *')].filter(e => !e.closest('.table-scroll')
  && e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)"""


def _shoot(page: Any, folder: Path, name: str) -> None:
    assert page.evaluate(WIDE) == [], name
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _cell(page: Any, selector: str, n: int = 0) -> str:
    return str(page.locator(selector).nth(n).inner_text()).strip()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_insights_page_shows_the_demo_history(
    browser: Any, live_server: Any, settings: Any, size: str, screenshot_dir: Path
) -> None:
    settings.SITE_URL = live_server.url
    data = seed_demo()
    assert seed_history(data.artist, data.released) > 0
    wire = Release.objects.get(artist=data.artist, slug="northern-wire")
    presaves = {r.pk: str(PreSave.objects.filter(release=r).count()) for r in (wire, data.released)}
    table = {row.key: row for row in leverage.artist_table(data.artist).rows}
    followed = table["followed"].long_term
    assert followed.n > 0

    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    submit(page, page.locator("main button[type=submit]"))
    base = f"{live_server.url}/w/{data.workspace.slug}"
    artist = data.artist.pk

    page.goto(f"{base}/releases/{wire.pk}/funnel/?by=source")
    assert _cell(page, ".stages tr[data-stage='presaves'] td") == presaves[wire.pk]
    _shoot(page, screenshot_dir, f"insights-funnel-{size}")

    page.goto(f"{base}/insights/leverage/?artist={artist}")
    assert _cell(page, "#impact tr[data-action='followed'] td") == str(followed.n)
    assert _cell(page, "#impact tr[data-action='followed'] td", 2).startswith(f"{followed.k} (")
    _shoot(page, screenshot_dir, f"insights-leverage-{size}")

    page.goto(f"{base}/insights/artists/{artist}/audience/")
    row = page.locator("#releases tr", has_text="Northern Wire")
    assert str(row.locator("td").last.inner_text()).strip() == presaves[wire.pk]
    followers = str(row.locator("td").nth(1).inner_text()).strip()
    assert followers not in ("", "\N{EN DASH}")
    _shoot(page, screenshot_dir, f"insights-audience-{size}")

    page.goto(f"{base}/insights/artists/{artist}/forecast/")
    assert page.locator("#forecast tbody tr").count() == 3
    assert page.locator("#rates", has_text="measured on this artist's releases").count() == 1
    _shoot(page, screenshot_dir, f"insights-forecast-{size}")

    page.goto(f"{base}/releases/{data.released.pk}/report/")
    assert _cell(page, ".stages tr[data-stage='presaves'] td") == presaves[data.released.pk]
    assert _cell(page, "#impact tr[data-action='followed'] td") == str(followed.n)
    _shoot(page, screenshot_dir, f"insights-release-report-{size}")

    page.goto(f"{base}/insights/artists/{artist}/report/")
    assert _cell(page, "#impact tr[data-action='followed'] td") == str(followed.n)
    _shoot(page, screenshot_dir, f"insights-artist-report-{size}")
    context.close()
