"""Pre-saves of a release per day and platform: a daily table with gaps filled, totals, a tiny
inline SVG bar chart (no JavaScript), a CSV of the same table, and a release picker."""

from __future__ import annotations

import csv
import datetime as dt
import io

import time_machine
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Release
from fanloop.fans.presaves import record_presave
from fanloop.platforms.models import PlatformApp

from .conftest import connect


def _presave_on(
    app: PlatformApp, release: Release, user: str, day: dt.date, platform: str = "spotify"
) -> None:
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False):
        fan, conn = connect(app, user, email=f"{user}@example.org")
        record_presave(fan, release, platform, connection=conn if platform != "email" else None)


def _url(workspace: Workspace, name: str = "presaves") -> str:
    return reverse(f"fans:{name}", kwargs={"ws": workspace.slug})


def test_it_tabulates_pre_saves_per_day_and_platform(
    owner_client, workspace, release, spotify_app, deezer_app
):
    d1 = dt.date(2026, 3, 1)
    _presave_on(spotify_app, release, "a", d1)
    _presave_on(spotify_app, release, "b", d1)
    _presave_on(deezer_app, release, "c", d1 + dt.timedelta(days=2), platform="deezer")
    _presave_on(spotify_app, release, "d", d1 + dt.timedelta(days=2), platform="email")
    response = owner_client.get(_url(workspace), {"release": release.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sun 1 Mar 2026" in page and "Mon 2 Mar 2026" in page and "Tue 3 Mar 2026" in page
    assert "<b>4</b> pre-saves" in page
    assert "Email (notify me)" in page and "Apple Music" not in page  # only used columns
    assert "<svg" in page and 'role="img"' in page and "<script" not in page
    assert page.count("<rect") == 3  # two bars on day 3, one on day 1, none on day 2
    assert "1 Mar 2026: 2 on Spotify" in page


def test_it_downloads_the_table_as_csv(owner_client, workspace, release, spotify_app):
    _presave_on(spotify_app, release, "a", dt.date(2026, 3, 1))
    _presave_on(spotify_app, release, "b", dt.date(2026, 3, 3))
    response = owner_client.get(_url(workspace, "presaves_csv"), {"release": release.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["day", "spotify", "total", "cumulative"],
        ["2026-03-01", "1", "1", "1"],
        ["2026-03-02", "0", "0", "1"],
        ["2026-03-03", "1", "1", "2"],
    ]


def test_it_lists_releases_to_choose_from(owner_client, workspace, release, spotify_app):
    _presave_on(spotify_app, release, "a", dt.date(2026, 3, 1))
    page = owner_client.get(_url(workspace)).content.decode()
    assert "Choose a release" in page and "First Light" in page and "Spotify: 1" in page


def test_it_has_empty_states(owner_client, workspace, release):
    page = owner_client.get(_url(workspace), {"release": release.pk}).content.decode()
    assert "No pre-saves yet." in page and release.public_path in page


def test_it_ignores_a_malformed_release(owner_client, workspace, release):
    assert owner_client.get(_url(workspace), {"release": "abc"}).status_code == 200
    assert owner_client.get(_url(workspace, "presaves_csv"), {"release": "abc"}).status_code == 404
