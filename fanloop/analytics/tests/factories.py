"""Test data for the public pages and the event log: artists and releases with sane defaults."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release

RELEASE_DAY = dt.date(2030, 3, 15)
BROWSER_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def make_artist(workspace: Workspace, **fields: Any) -> Artist:
    values: dict[str, Any] = {"name": "Nova Lights", "slug": "nova-lights"}
    values.update(fields)
    return Artist.objects.create(workspace=workspace, **values)


def make_release(
    artist: Artist, *, album_ids: dict[str, str] | None = None, **fields: Any
) -> Release:
    """A published release; ``album_ids``: platform -> the album's id there."""
    values: dict[str, Any] = {
        "title": "Midnight Signal",
        "slug": "midnight-signal",
        "release_date": RELEASE_DAY,
        "release_time_zone": "Europe/London",
        "published": True,
        "short_code": "abc1234",
    }
    values.update(fields)
    release = Release.objects.create(artist=artist, **values)
    platform_ids.write_release_ids(release, album_ids or {})
    return release
