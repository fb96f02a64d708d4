"""A member creates an artist and a release in the dashboard and publishes it; a visitor
opens the page before release (pre-release mode) and, with the clock moved past the release,
after it (post-release mode), at phone and desktop widths. Real browser, real server.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from PIL import Image

from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEFORE = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
RELEASE_DAY = dt.date(2026, 12, 4)
AFTER = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def _cover(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), (91, 43, 224)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_it_publishes_a_release_and_switches_the_page_at_release_time(
    browser, live_server, owner: User, workspace: Workspace, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server.url
    with time_machine.travel(BEFORE, tick=True):
        member = browser.new_context(viewport=SIZES["desktop"])
        page = member.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill(owner.email)
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/w/{workspace.slug}/")

        page.goto(f"{base}/w/{workspace.slug}/artists/new/")
        page.get_by_label("Name").fill("Nova Lights")
        page.get_by_label("Spotify artist link").fill(
            "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF?si=abc"
        )
        page.get_by_role("button", name="Add artist").click()
        page.wait_for_load_state()

        page.goto(f"{base}/w/{workspace.slug}/releases/new/")
        page.locator("#id_title").fill("Midnight Signal")
        page.set_input_files("input[name=artwork]", str(_cover(tmp_path)))
        page.get_by_label("Release date").fill(RELEASE_DAY.isoformat())
        page.get_by_label("UPC / EAN").fill("196922000010")
        page.get_by_label("Spotify album link or id").fill(
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"
        )
        page.locator("input[name=tracks-0-title]").fill("Midnight Signal")
        page.locator("input[name=tracks-0-isrc]").fill("QZ-DA7-26-00001")
        page.get_by_role("button", name="Create release").click()
        page.wait_for_load_state()
        page.screenshot(path=str(artifacts / "dashboard-release-created.png"), full_page=True)
        page.get_by_role("button", name="Publish").click()
        page.wait_for_load_state()
        page.screenshot(path=str(artifacts / "dashboard-release.png"), full_page=True)
        release = Release.objects.get(title="Midnight Signal")
        assert release.published
        assert release.tracks.get().isrc == "QZDA72600001"
        public = f"{base}/{release.artist.slug}/{release.slug}"
        assert public.endswith("/nova-lights/midnight-signal")
        member.close()

        for name, size in SIZES.items():
            visitor = browser.new_context(viewport=size, java_script_enabled=(name == "phone"))
            fan_page = visitor.new_page()
            answer = fan_page.goto(public)
            # The status and the page's start in the message: a run once saw no heading here.
            assert answer is not None and answer.status == 200, (answer and answer.status, name)
            heading = fan_page.get_by_role("heading", name="Midnight Signal")
            assert heading.is_visible(), fan_page.content()[:1500]
            assert fan_page.get_by_role("button", name="Pre-save on Spotify").is_visible()
            assert fan_page.get_by_text("Listen on Spotify").count() == 0
            fan_page.screenshot(path=str(artifacts / f"page-pre-release-{name}.png"))
            visitor.close()

    with time_machine.travel(AFTER, tick=True):
        for name, size in SIZES.items():
            visitor = browser.new_context(viewport=size)
            fan_page = visitor.new_page()
            fan_page.goto(public)
            listen = fan_page.get_by_role("link", name="Listen on Spotify")
            assert listen.is_visible()
            assert fan_page.get_by_text("Pre-save on Spotify").count() == 0
            fan_page.screenshot(path=str(artifacts / f"page-post-release-{name}.png"))
            visitor.close()
