"""The release page looks like the artist's: platform buttons in each service's colours with
its mark, one line per button saying what a pre-save asks, the accent colour (chosen, else
from the artwork), light or dark, the artist's photo and links, the release time for the
fan's own zone (server text without JavaScript) and separate words before and after."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from PIL import Image

from fanloop.campaigns import pages
from fanloop.campaigns.connect import Options
from fanloop.catalog.accent import DEFAULT_ACCENT, accent_of
from fanloop.catalog.services import create_artist, create_release, update_artist, update_release
from fanloop.catalog.tests.conftest import image_bytes, upload
from fanloop.platforms.marks import MARKS, ask_line

BEFORE = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
AFTER = dt.datetime(2030, 4, 1, tzinfo=dt.UTC)
PATH = "/nova-lights/midnight-signal"


def _get(moment: dt.datetime, path: str = PATH):
    with time_machine.travel(moment, tick=False):
        response = Client().get(path)
    assert response.status_code == 200
    return response


def test_pre_save_buttons_wear_each_platforms_colours_and_say_what_they_ask(release) -> None:
    html = _get(BEFORE).text
    for key, label in (("spotify", "Spotify"), ("applemusic", "Apple Music"), ("deezer", "Deezer")):
        button = re.search(rf'<button class="btn p-{key}"[^>]*>(.*?)</button>', html, re.S)
        assert button, key
        assert MARKS[key].svg in button.group(1) and f"Pre-save on {label}" in button.group(1)
        ask = re.search(rf'<p class="ask" id="ask-{key}">([^<]*)</p>', html)
        assert ask, key
        # The same capabilities the connect asks its scopes for, with no box ticked.
        assert ask.group(1) == ask_line(label, Options().capabilities())
    assert "Adds this release to your Spotify library on release day. Nothing else." in html
    assert f".p-spotify{{background:{MARKS['spotify'].background}" in html


def test_listen_buttons_wear_the_colours_after_release(release) -> None:
    html = _get(AFTER).text
    assert re.search(
        r'<a class="btn p-spotify" href="[^"]+" rel="nofollow"><svg class="mark"', html
    )
    assert '<p class="ask"' not in html


def _style_hashes(csp: str) -> list[str]:
    match = re.search(r"style-src ([^;]+)", csp)
    assert match
    return match.group(1).split()


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_accent_is_the_chosen_colour_allowed_by_the_pages_csp(release) -> None:
    update_release(release, {"accent_color": "#123456", "theme": "light"})
    response = _get(BEFORE)
    theme = ":root{--accent:#123456;--on-accent:#ffffff}"
    assert f"<style>{theme}</style>" in response.text
    assert '<body class="light">' in response.text
    assert _digest(theme) in _style_hashes(response["Content-Security-Policy"])
    again = _get(BEFORE)  # from the page cache: the same policy
    assert again["Content-Security-Policy"] == response["Content-Security-Policy"]


def test_the_accent_comes_from_the_artwork_by_default(workspace, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    artist = create_artist(workspace, name="Red Cover")
    # Mostly black with a red block: the vivid colour wins over the larger dark area.
    cover = image_bytes(600, 600, color=(10, 10, 10))

    image = Image.open(io.BytesIO(cover)).convert("RGB")
    image.paste((220, 30, 40), (0, 0, 600, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    release = create_release(
        artist,
        {
            "title": "Red",
            "release_date": dt.date(2030, 3, 20),
            "artwork": upload(data=out.getvalue()),
        },
    )
    r, g, b = (int(release.artwork_accent[i : i + 2], 16) for i in (1, 3, 5))
    assert r > 180 and g < 80 and b < 80, release.artwork_accent
    assert (
        pages.theme_css(release)
        == f":root{{--accent:{release.artwork_accent};--on-accent:#ffffff}}"
    )
    update_release(release, {"artwork": None})
    assert release.artwork_accent == ""
    assert DEFAULT_ACCENT in pages.theme_css(release)


def test_accent_of_reads_grey_and_broken_images() -> None:
    assert accent_of(b"not an image") == ""
    assert re.fullmatch(r"#[0-9a-f]{6}", accent_of(image_bytes(64, 64, color=(120, 120, 120))))


def test_the_release_time_is_rewritten_for_the_fans_zone_with_server_text_as_fallback(
    release,
) -> None:
    html = _get(BEFORE).text
    when = re.search(r'<time id="when" datetime="([^"]+)">([^<]+)</time>', html)
    assert when
    instant = dt.datetime.fromisoformat(when.group(1))
    assert instant == release.instant_for_market(None)
    assert when.group(2) == pages.release_date_text(release, live=False)
    assert 'document.getElementById("when")' in html  # the browser's own zone, with JS


@pytest.mark.parametrize(
    ("moment", "shown", "hidden"),
    [(BEFORE, "Pre-save it", "Out now: stream it"), (AFTER, "Out now: stream it", "Pre-save it")],
)
def test_words_before_and_after_release_are_separate(release, moment, shown, hidden) -> None:
    update_release(
        release,
        {"description": "Pre-save it now.", "post_release_description": "Out now: stream it."},
    )
    html = _get(moment).text
    assert shown in html and hidden not in html


def test_after_release_without_its_own_words_the_page_keeps_the_description(release) -> None:
    update_release(release, {"description": "Four songs."})
    assert "Four songs." in _get(AFTER).text


def test_the_artist_photo_and_links_show(release, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    update_artist(
        release.artist,
        image=upload(),
        instagram_url="https://instagram.com/novalights",
        website_url="https://novalights.example",
    )
    update_release(release, {"artwork": upload("cover.png", image_bytes(color=(0, 90, 200)))})
    html = _get(BEFORE).text
    assert re.search(r'<img class="avatar" src="/media/artists/[^"]+" width="40"', html)
    assert (
        '<a href="https://novalights.example" rel="noopener noreferrer nofollow">Website</a>'
        in html
    )
    instagram = "https://instagram.com/novalights"
    assert f'<a href="{instagram}" rel="noopener noreferrer nofollow">Instagram</a>' in html
    assert html.index("Website") < html.index("Instagram")


def test_social_links_must_be_https(owner_client, release) -> None:
    url = reverse(
        "catalog:artist_edit", kwargs={"ws": release.artist.workspace.slug, "pk": release.artist.pk}
    )
    response = owner_client.post(
        url, {"name": "Nova Lights", "slug": "nova-lights", "tiktok_url": "javascript:alert(1)"}
    )
    assert response.status_code == 400
    assert "TikTok: paste the full link, starting with https://." in response.text
    release.artist.refresh_from_db()
    assert release.artist.tiktok_url == ""
