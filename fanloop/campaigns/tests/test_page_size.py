"""The page, with its inline CSS and JS, stays within 30 KB gzipped (artwork excluded)."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
import time_machine
from django.test import Client

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import PLATFORMS, PRESAVE_PLATFORMS

BUDGET = 30 * 1024


@pytest.mark.parametrize(
    "moment",
    [dt.datetime(2030, 3, 1, tzinfo=dt.UTC), dt.datetime(2030, 4, 1, tzinfo=dt.UTC)],
    ids=["pre-release", "post-release"],
)
def test_it_fits_the_size_budget_at_its_largest(release: Release, moment: dt.datetime) -> None:
    release.title = "T" * 200
    release.description = ("All platforms, longest texts: " + "x" * 70 + "\n") * 20
    release.post_release_description = (
        "Out now, the longest text after release " + "y" * 60 + "\n"
    ) * 20
    release.label_line = "L" * 200
    release.accent_color = "#123456"
    platform_ids.write_release_ids(release, {"applemusic": "1440857781"})
    release.artwork.name = "artwork/" + "a" * 80 + ".jpg"
    release.save()
    artist = release.artist
    artist.name = "N" * 120
    artist.image.name = "artists/" + "b" * 80 + ".jpg"  # the avatar beside the name
    for field in ("website_url", "instagram_url", "tiktok_url", "youtube_url"):
        setattr(artist, field, "https://example.com/" + "s" * 280)
    artist.save()
    with time_machine.travel(moment, tick=False):
        body = Client().get("/nova-lights/midnight-signal").content
    assert len(gzip.compress(body)) <= BUDGET
    # The page makes no other request than its artwork: no stylesheet, no script file.
    html = body.decode()
    # Every platform's button with its mark: pre-save buttons before, listen links after.
    buttons = PRESAVE_PLATFORMS if moment.month == 3 else PLATFORMS
    assert html.count('<svg class="mark"') == len(buttons)
    assert "example.com/sss" in html and "b" * 80 in html
    assert '<link rel="stylesheet"' not in html
    assert "<script src" not in html
