"""The release page in Chromium at phone and desktop widths, before and after release, with
every platform and the artist's links: the buttons in each service's colours, the release
time in the browser's own zone, the accent taken from the artwork. Screenshots go to
``screenshot_dir`` (docs/screenshots/ with ``make screenshots``; referenced from the README)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Release
from fanloop.catalog.services import create_artist, create_release, publish_release
from fanloop.catalog.tests.conftest import upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# 17:00 in London on 15 March 2030 (GMT) is 13:00 in New York (EDT since 10 March).
BEFORE = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2030, 3, 20, 12, 0, tzinfo=dt.UTC)


def _cover() -> bytes:
    image = Image.new("RGB", (900, 900), (22, 18, 40))
    image.paste((236, 72, 153), (0, 560, 900, 900))
    for n in range(6):
        image.paste((250, 204, 21), (120 + n * 110, 200, 170 + n * 110, 420 - n * 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _release(workspace: Workspace) -> Release:
    artist = create_artist(
        workspace,
        name="Nova Lights",
        image=upload("nova.png"),
        platform_links={"spotify": "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF"},
        website_url="https://novalights.example",
        instagram_url="https://instagram.com/novalights",
        tiktok_url="https://www.tiktok.com/@novalights",
        youtube_url="https://www.youtube.com/@novalights",
    )
    release = create_release(
        artist,
        {
            "title": "Midnight Signal",
            "artwork": upload("cover.png", _cover()),
            "release_mode": "global",
            "release_date": dt.date(2030, 3, 15),
            "release_time": dt.time(17, 0),
            "release_time_zone": "Europe/London",
            "description": "Pre-save it now: it lands in your library on release night.",
            "post_release_description": "Out now. Thank you for listening.",
            "platform_ids": {
                "spotify": "4aawyAB9vmqN3uQ7FjRGTy",
                "applemusic": "1440857781",
                "deezer": "302127",
            },
        },
    )
    return publish_release(release)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_release_page_before_and_after_release(
    browser,
    live_server,
    settings,
    workspace: Workspace,
    tmp_path: Path,
    screenshot_dir: Path,
    size: str,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    release = _release(workspace)
    assert release.artwork_accent  # taken from the artwork
    url = f"{live_server.url}{release.public_path}"
    with time_machine.travel(BEFORE, tick=True):
        context = browser.new_context(
            viewport=SIZES[size], timezone_id="America/New_York", locale="en-GB"
        )
        page = context.new_page()
        page.goto(url)
        for key, name in (
            ("spotify", "Spotify"),
            ("applemusic", "Apple Music"),
            ("deezer", "Deezer"),
        ):
            button = page.get_by_role("button", name=f"Pre-save on {name}")
            expect(button).to_be_visible()
            expect(button.locator("svg.mark")).to_have_count(1)
            expect(page.locator(f"#ask-{key}")).to_have_text(
                f"Adds this release to your {name} library on release day. Nothing else."
            )
        colour = page.get_by_role("button", name="Pre-save on Spotify").evaluate(
            "b => getComputedStyle(b).backgroundColor"
        )
        assert colour == "rgb(30, 215, 96)"
        when = page.locator("#when")
        expect(when).to_contain_text("13:00")  # 17:00 in London, for a browser in New York
        expect(when).to_contain_text("your time")
        expect(page.get_by_role("link", name="Instagram")).to_be_visible()
        expect(page.locator("img.avatar")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(
            path=str(screenshot_dir / f"release-page-before-{size}.png"), full_page=True
        )
        context.close()
    with time_machine.travel(AFTER, tick=True):
        # A new browser: the first one may keep the page until its max-age.
        context = browser.new_context(viewport=SIZES[size], locale="en-GB")
        page = context.new_page()
        page.goto(url)
        for name in ("Spotify", "Apple Music", "Deezer"):
            expect(page.get_by_role("link", name=f"Listen on {name}")).to_be_visible()
        expect(page.get_by_text("Out now. Thank you for listening.")).to_be_visible()
        expect(page.get_by_text("Pre-save it now")).to_have_count(0)
        expect(page.locator("#when")).to_have_text("Released 15 March 2030")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(screenshot_dir / f"release-page-after-{size}.png"), full_page=True)
        context.close()
