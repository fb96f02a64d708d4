"""Release instants: midnight in each market rolls from NZ to the Americas; global is one moment."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from fanloop.catalog.models import Artist, Release, Timing
from fanloop.catalog.services import create_release

UTC = dt.UTC


def _local(artist: Artist, **fields: Any) -> Release:
    data: dict[str, Any] = {"title": "Local", "release_date": dt.date(2026, 12, 4), **fields}
    return create_release(artist, data)  # type: ignore[arg-type]


def test_local_midnight_is_live_in_new_zealand_before_the_us(artist):
    release = _local(artist)
    nz = release.instant_for_market("NZ")
    us = release.instant_for_market("us")
    assert nz == dt.datetime(2026, 12, 3, 11, 0, tzinfo=UTC)  # NZDT is UTC+13 in December
    assert us == dt.datetime(2026, 12, 4, 5, 0, tzinfo=UTC)  # New York is UTC-5
    between = dt.datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    assert release.is_released("NZ", now=between)
    assert not release.is_released("US", now=between)


def test_unknown_markets_use_the_release_time_zone(artist):
    release = _local(artist, release_time_zone="Europe/Paris")
    assert release.instant_for_market(None) == dt.datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    assert release.instant_for_market("ZZ") == release.instant_for_market(None)


def test_a_global_instant_is_the_same_everywhere(artist):
    release = create_release(
        artist,
        {
            "title": "Global",
            "release_date": dt.date(2026, 12, 4),
            "release_mode": "global",
            "release_time": dt.time(9, 0),
            "release_time_zone": "America/Los_Angeles",
        },
    )
    instant = dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert release.instant_for_market("NZ") == release.instant_for_market("US") == instant
    assert release.first_instant() == release.last_instant() == instant


def test_local_mode_always_stores_midnight(artist):
    release = _local(artist, release_time=dt.time(15, 30))
    assert release.release_time == dt.time(0, 0)


def test_first_and_last_instants_span_the_globe(artist):
    release = _local(artist)
    assert release.first_instant() == dt.datetime(
        2026, 12, 4, tzinfo=ZoneInfo("Pacific/Kiritimati")
    )
    # The last inhabited market to reach midnight is at UTC-11 (American Samoa, Niue).
    assert release.last_instant() == dt.datetime(2026, 12, 4, 11, 0, tzinfo=UTC)


def test_it_moves_from_upcoming_to_rolling_out_to_released(artist):
    release = _local(artist)
    assert release.timing(dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC)) == Timing.UPCOMING
    assert release.timing(dt.datetime(2026, 12, 3, 12, 0, tzinfo=UTC)) == Timing.ROLLING_OUT
    assert release.timing(dt.datetime(2026, 12, 4, 12, 0, tzinfo=UTC)) == Timing.RELEASED


def test_the_dashboard_shows_the_timing_now(owner_client, artist):
    _local(artist)
    with time_machine.travel(dt.datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False):
        content = owner_client.get(f"/w/{artist.workspace.slug}/").content.decode()
    assert "Rolling out" in content
