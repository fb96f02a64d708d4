"""The workspace home in Chromium at phone and desktop widths: the setup checklist from an
empty workspace to a published, shared page (every form submitted in the browser, the
database checked after each), and the home with numbers and what needs attention.

Screenshots go to ``screenshot_dir`` (docs/screenshots/ with ``make screenshots``;
referenced from the README).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.analytics import buffer
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, Event, EventKind, FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release, publish_release
from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.fulfillment.models import DeliveryState, DetectionStatus
from fanloop.lib.tests.browser_forms import submit
from fanloop.platforms.models import PlatformApp

from .ui_fixtures import deliveries, make_fans, state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Headless Chromium names itself in its user agent and is counted as a bot, not a fan.
FAN_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _cover(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    buffer_ = io.BytesIO()
    Image.new("RGB", (800, 800), (91, 43, 224)).save(buffer_, "PNG")
    path.write_bytes(buffer_.getvalue())
    return path


def _log_in(browser: Any, base: str, user: User, size: str) -> Any:
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, page.locator("main button[type=submit]"))
    return page


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_checklist_leads_an_empty_workspace_to_a_shared_page(
    browser,
    live_server,
    settings,
    owner: User,
    workspace: Workspace,
    tmp_path: Path,
    screenshot_dir: Path,
    size: str,
) -> None:
    settings.SITE_URL = live_server.url
    settings.DATA_DIR = tmp_path / "data"
    base = live_server.url
    page = _log_in(browser, base, owner, size)
    home = f"{base}/w/{workspace.slug}/"
    page.wait_for_url(home)
    checklist = page.locator("#setup")
    expect(checklist).to_contain_text("0 of 5 done")
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir, f"home-new-workspace-{size}")

    # 1. The artist.
    page.get_by_role("link", name="Add an artist").click()
    page.get_by_label("Name").fill("Nova Lights")
    submit(page, page.get_by_role("button", name="Add artist"))
    assert Artist.objects.get(workspace=workspace).name == "Nova Lights"

    # 2. The release: a wrong UPC first; the summary links to the field, the artwork stays.
    page.goto(home)
    expect(checklist).to_contain_text("1 of 5 done")
    page.get_by_role("link", name="Create a release").first.click()
    page.locator("#id_title").fill("Midnight Signal")
    page.set_input_files("input[name=artwork]", str(_cover(tmp_path)))
    page.get_by_label("Release date").fill(
        (timezone.localdate() + dt.timedelta(days=9)).isoformat()
    )
    page.get_by_label("UPC / EAN").fill("123")
    page.locator("input[name=tracks-0-title]").fill("Midnight Signal")
    response = submit(page, page.get_by_role("button", name="Create release"))
    assert response.status == 400 and not Release.objects.exists()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("UPC / EAN:")
    if size == "phone":
        _shoot(page, screenshot_dir, "release-form-error-phone")
    summary.get_by_role("link", name="UPC / EAN").click()
    expect(page.get_by_label("UPC / EAN")).to_be_focused()
    kept = page.locator(".kept-upload img")
    expect(kept).to_be_visible()
    assert kept.evaluate("img => img.naturalWidth") == 800  # the preview loads
    expect(page.locator("#id_title")).to_have_value("Midnight Signal")
    page.get_by_label("UPC / EAN").fill("196922000010")
    submit(page, page.get_by_role("button", name="Create release"))
    release = Release.objects.get()
    assert release.upc == "196922000010" and release.artwork.name and not release.published

    # 3. A platform app (Deezer: an id and a secret).
    page.goto(home)
    expect(checklist).to_contain_text("2 of 5 done")
    page.get_by_role("link", name="Add a platform app").first.click()
    page.get_by_role("link", name="Add an app for Deezer").click()
    page.get_by_label("Application ID").fill("612345")
    page.get_by_label("Secret Key").fill("deezer-secret-for-the-test")
    submit(page, page.get_by_role("button", name="Add app"))
    assert PlatformApp.objects.get(workspace=workspace).platform == "deezer"

    # 4. Publish: the release page warns about the platforms offered without an app.
    page.goto(home)
    expect(checklist).to_contain_text("3 of 5 done")
    page.get_by_role("link", name="Open a draft to publish it").click()
    page.get_by_role("link", name="Midnight Signal").click()
    expect(page.locator("#missing-apps")).to_contain_text("Spotify, Apple Music")
    if size == "desktop":
        _shoot(page, screenshot_dir, "release-publish-warning-desktop")
    submit(page, page.get_by_role("button", name="Publish"))
    expect(page.locator(".messages")).to_contain_text("is not open yet")
    release.refresh_from_db()
    assert release.published

    # 5. Share: the checklist is done once a fan opened the page.
    page.goto(home)
    expect(checklist).to_contain_text("4 of 5 done")
    fan = browser.new_context(viewport=SIZES[size], user_agent=FAN_BROWSER)
    fan.new_page().goto(f"{base}{release.public_path}")
    fan.close()
    buffer.events.flush()
    page.goto(home)
    expect(page.locator("#setup")).to_have_count(0)
    page.context.close()


def _seed(workspace: Workspace) -> None:
    artist = create_artist(workspace, name="Nova Lights")
    today = timezone.localdate()
    out = create_release(
        artist, {"title": "Midnight Signal", "release_date": today - dt.timedelta(days=3)}
    )
    soon = create_release(
        artist, {"title": "Afterglow", "release_date": today + dt.timedelta(days=12)}
    )
    for release in (out, soon):
        publish_release(release)
    app = PlatformApp.objects.create(
        workspace=workspace, platform="spotify", client_id="nova-app", mode="development"
    )
    fans = make_fans(workspace, 40)

    def event(fan: Any, kind: str, release: Release, actor: str, days_ago: int) -> None:
        made, _ = record_fan_event(
            fan, kind, key=f"{kind}:{fan.pk}:{release.pk}", actor=actor, release=release
        )
        FanEvent.objects.filter(pk=made.pk).update(
            created=timezone.now() - dt.timedelta(days=days_ago)
        )

    for n, fan in enumerate(fans):
        event(fan, FanEventKind.PRESAVED, out, Actor.FAN, 20 if n < 30 else 8)
        if n < 34:
            event(fan, FanEventKind.DELIVERY_SUCCEEDED, out, Actor.FANLOOP, 3)
        if n % 3 == 0:
            event(fan, FanEventKind.SAVED, out, Actor.FAN, 2)
        if n % 5 == 0:
            event(fan, FanEventKind.FOLLOWED, out, Actor.FAN, 1)
        if n < 12:
            event(fan, FanEventKind.PRESAVED, soon, Actor.FAN, n % 10)
    PlatformConnection.objects.create(
        fan=fans[0], app=app, platform="spotify", status=ConnectionStatus.NEEDS_RECONNECT
    )
    deliveries(out, {DeliveryState.FAILED: 2})
    state(out, "deezer", status=DetectionStatus.NOT_FOUND)
    Event.objects.create(  # a fan opened the page: the setup checklist is done
        kind=EventKind.PAGE_VIEW,
        workspace=workspace,
        artist=artist,
        release=out,
        visitor_id="0123456789abcdef",
        device_class="mobile",
    )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_home_tells_the_story_with_data(
    browser,
    live_server,
    settings,
    owner: User,
    workspace: Workspace,
    screenshot_dir: Path,
    size: str,
) -> None:
    settings.SITE_URL = live_server.url
    _seed(workspace)
    page = _log_in(browser, live_server.url, owner, size)
    page.wait_for_url(f"{live_server.url}/w/{workspace.slug}/")
    row = page.locator("table.releases tr", has_text="Midnight Signal")
    expect(row.locator("[data-label=Pre-saves]")).to_have_text("40")  # none this week
    expect(row.locator("[data-label=Delivered]")).to_contain_text("34")
    expect(row.locator("[data-label=Delivered]")).to_contain_text("+34 this week")
    expect(row.locator("[data-label=Saves]")).to_contain_text("14")
    expect(row.locator("[data-label=Follows]")).to_contain_text("8")
    soon = page.locator("table.releases tr", has_text="Afterglow")
    expect(soon.locator("[data-label=Pre-saves]")).to_contain_text("+9 this week")
    attention = page.locator("#attention")
    expect(attention).to_contain_text("1 fan needs to reconnect")
    expect(attention).to_contain_text("2 release-day saves of “Midnight Signal” failed.")
    expect(attention).to_contain_text("in development mode")
    expect(page.locator("#setup")).to_have_count(0)
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir, f"home-{size}")
    page.context.close()
