"""A member watches the progress page in a real browser while deliveries change underneath:
htmx polls the fragment, the numbers and the bar move, polling stops when all is done.
Phone and desktop widths; without JavaScript the page still shows the numbers and a link
to refresh. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from fanloop.accounts.models import User
from fanloop.catalog.models import Release
from fanloop.fulfillment.models import Delivery, DeliveryState, DetectionStatus, WaveStatus

from .ui_fixtures import artist_fixture, deliveries, release_fixture, state, wave  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PASSWORD = "correct horse battery staple"


def _log_in(context, base: str, user: User):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def _deliver(release: Release, count: int) -> None:
    pending = Delivery.objects.filter(release=release, state=DeliveryState.PENDING)
    ids = list(pending.values_list("pk", flat=True)[:count])
    Delivery.objects.filter(pk__in=ids).update(
        state=DeliveryState.DELIVERED, delivered_at=timezone.now(), attempts=1
    )


def _shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_it_updates_the_numbers_live(browser, live_server, owner, release, artifacts: Path, size):
    spotify = state(release, "spotify", DetectionStatus.LIVE, album_id="a" * 22)
    running = wave(spotify, "", WaveStatus.DELIVERING, started_at=timezone.now())
    deliveries(release, {"pending": 40}, on_wave=running)
    deliveries(release, {"failed": 2}, on_wave=running, reason="Spotify answered 502")
    url = live_server.url + reverse(
        "fulfillment:progress", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    context = browser.new_context(viewport=SIZES[size])
    try:
        page = _log_in(context, live_server.url, owner)
        page.goto(url)
        delivered = page.locator("#count-delivered")
        assert delivered.inner_text() == "0"
        assert page.locator("#delivery-live").get_attribute("hx-trigger") == "every 2s"
        _shot(page, artifacts, f"delivery-progress-{size}-start")

        _deliver(release, 25)
        # A function string would need eval, which the dashboard's CSP forbids.
        expect(delivered).to_have_text("25", timeout=10_000)
        assert page.locator("#count-pending").inner_text() == "15"
        # 25 delivered at once, by a run younger than the shortest span measured (10 s).
        assert page.locator("#rate").inner_text() == "150"
        bar = page.locator("#delivery-live [role=progressbar]").first
        assert bar.get_attribute("aria-valuenow") == "64"  # 27 of 42 have an outcome
        assert page.get_by_role("button", name="Retry failed (2)").is_visible()
        _shot(page, artifacts, f"delivery-progress-{size}-moving")

        _deliver(release, 15)
        running.status = WaveStatus.DONE
        running.finished_at = timezone.now()
        running.save()
        page.get_by_text("Delivery finished.").wait_for(timeout=10_000)
        live = page.locator("#delivery-live")
        assert live.get_attribute("data-active") == "false"
        assert live.get_attribute("hx-trigger") is None  # polling stopped
        assert page.locator("#count-delivered").inner_text() == "40"
        _shot(page, artifacts, f"delivery-progress-{size}-done")
        # Nothing on the page is wider than the phone's screen except scrollable tables.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"]
    finally:
        context.close()


def test_it_works_without_javascript(browser, live_server, owner, release, artifacts: Path):
    deliveries(release, {"pending": 3, "delivered": 1})
    url = live_server.url + reverse(
        "fulfillment:progress", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    context = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False)
    try:
        page = _log_in(context, live_server.url, owner)
        page.goto(url)
        assert page.locator("#count-delivered").inner_text() == "1"
        _deliver(release, 3)
        page.get_by_role("link", name="Refresh").click()
        page.wait_for_load_state()
        assert page.locator("#count-delivered").inner_text() == "4"
        assert re.search(r"100\s*% done", page.locator("#delivery-live").inner_text())
        page.screenshot(path=str(artifacts / "delivery-progress-no-js.png"), full_page=True)
    finally:
        context.close()
