"""In Chromium at phone width: a post-release page with eight services and the artist page;
the service a fan chose comes first on their next visit (local storage, no cookie), and
both pages work without JavaScript."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import IPHONE_UA, make_artist, make_release
from fanloop.catalog.listen_links import set_listen_links
from fanloop.catalog.models import Release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASTED = {
    "applemusic": "https://music.apple.com/gb/album/midnight-signal/1440857781",
    "tidal": "https://tidal.com/browse/album/77640617",
    "youtubemusic": "https://music.youtube.com/playlist?list=OLAK5uy_abc",
    "amazonmusic": "https://music.amazon.com/albums/B0CXYZ1234",
    "soundcloud": "https://soundcloud.com/nova-lights/sets/midnight-signal",
    "bandcamp": "https://novalights.bandcamp.com/album/midnight-signal",
}
EIGHT = [
    "Spotify", "Apple Music", "Deezer", "TIDAL", "YouTube Music", "Amazon Music", "SoundCloud",
    "Bandcamp",
]  # fmt: skip


@pytest.fixture
def released(workspace) -> Release:
    artist = make_artist(workspace)
    out = make_release(
        artist,
        release_date=(timezone.now() - dt.timedelta(days=3)).date(),
        album_ids={"spotify": "4aawyAB9vmqN3uQ7FjRGTy", "deezer": "302127"},
    )
    set_listen_links(out, PASTED)
    make_release(
        artist, title="Next Single", slug="next-single", short_code="nxt0001",
        release_date=(timezone.now() + dt.timedelta(days=20)).date(),
    )  # fmt: skip
    return out


def _services(page) -> list[str]:
    names = page.locator("#listen li a").all_inner_texts()
    return [name.removeprefix("Listen on ").strip() for name in names]


def test_the_chosen_service_comes_first_on_the_next_visit(
    browser, live_server, released, artifacts: Path
) -> None:
    # A phone's browser (headless Chromium's own user agent is not counted, as a bot).
    context = browser.new_context(viewport=PHONE, user_agent=IPHONE_UA)
    # The services themselves are not reachable from here: answer for them.
    context.route("https://**/*", lambda route: route.fulfill(body="a streaming service"))
    page = context.new_page()
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    assert _services(page) == EIGHT
    page.screenshot(path=str(artifacts / "release-page-eight-services.png"), full_page=True)
    page.get_by_role("link", name="Listen on TIDAL").click()
    page.wait_for_url("https://tidal.com/browse/album/77640617")
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    assert _services(page)[0] == "TIDAL"
    assert sorted(_services(page)) == sorted(EIGHT)
    # The artist page remembers the same choice.
    page.goto(f"{live_server.url}/nova-lights")
    assert _services(page)[0] == "TIDAL"
    assert context.cookies() == []
    buffer.events.flush()
    assert list(Event.objects.filter(kind="click").values_list("platform", flat=True)) == ["tidal"]
    # Another device (a fresh context) sees the services' own order.
    other = browser.new_context(viewport=PHONE)
    fresh = other.new_page()
    fresh.goto(f"{live_server.url}/nova-lights/midnight-signal")
    assert _services(fresh) == EIGHT
    other.close()
    context.close()


def test_the_artist_page_at_phone_width(browser, live_server, released, artifacts: Path) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/nova-lights")
    assert page.locator("h1").inner_text() == "Nova Lights"
    assert page.locator("#cd").inner_text().startswith("Out in ")  # the live countdown
    assert page.get_by_role("button", name="Pre-save on Spotify").is_visible()
    assert page.get_by_label("Save Nova Lights's future releases", exact=False).count() == 1
    assert _services(page) == EIGHT
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts / "artist-page.png"), full_page=True)
    page.close()


def test_both_pages_work_without_javascript(browser, live_server, released) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.route("https://**/*", lambda route: route.fulfill(body="a streaming service"))
    page = context.new_page()
    page.goto(f"{live_server.url}/nova-lights")
    assert _services(page) == EIGHT
    page.get_by_role("link", name="Next Single").click()
    assert page.url.endswith("/nova-lights/next-single")
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_role("link", name="Listen on Bandcamp").click()
    page.wait_for_url(PASTED["bandcamp"])
    context.close()
