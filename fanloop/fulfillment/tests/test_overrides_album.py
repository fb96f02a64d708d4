"""Pasting the album: the platform goes live with source "manual", the release keeps the id,
waves whose instant passed start delivering, later ones wait for their instant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fanloop.catalog import platform_ids
from fanloop.fulfillment.models import DetectionSource, DetectionStatus, ReleasePlatform, WaveStatus
from fanloop.fulfillment.overrides import MANUAL_MESSAGE, set_album_manually

from .ui_fixtures import SPOTIFY_ALBUM, artist_fixture, release_fixture, state, wave  # noqa: F401 - fixtures

LINK = f"https://open.spotify.com/album/{SPOTIFY_ALBUM}?si=abc"


def test_it_creates_the_platform_state_when_the_engine_has_not(release):
    now = timezone.now()
    result = set_album_manually(release, "spotify", LINK, now=now)
    saved = ReleasePlatform.objects.get(release=release, platform="spotify")
    assert saved.pk == result.pk
    assert (saved.status, saved.source) == (DetectionStatus.LIVE, DetectionSource.MANUAL)
    assert saved.album_id == SPOTIFY_ALBUM
    assert saved.url == f"https://open.spotify.com/album/{SPOTIFY_ALBUM}"
    assert saved.detected_at == now
    assert platform_ids.release_ids(release) == {"spotify": SPOTIFY_ALBUM}


def test_it_starts_the_waves_whose_instant_has_passed(release):
    now = timezone.now()
    spotify = state(release, "spotify", DetectionStatus.NOT_FOUND, track_ids=["old"])
    past = now - dt.timedelta(minutes=1)
    waiting = [
        wave(spotify, "NZ", WaveStatus.NOT_FOUND, instant=past, polls=40),
        wave(spotify, "DE", WaveStatus.DETECTING, instant=past),
        wave(spotify, "GB", WaveStatus.SCHEDULED, instant=now),
    ]
    done = wave(spotify, "JP", WaveStatus.DONE, instant=past, started_at=past, finished_at=now)
    later = wave(spotify, "US", WaveStatus.SCHEDULED, instant=now + dt.timedelta(hours=5))

    set_album_manually(release, "spotify", SPOTIFY_ALBUM, now=now)

    for row in waiting:
        row.refresh_from_db()
        assert row.status == WaveStatus.DELIVERING
        assert row.started_at is None and row.finished_at is None and row.next_poll_at is None
        assert row.last_poll_message == MANUAL_MESSAGE
    for row in (done, later):
        before = row.status
        row.refresh_from_db()
        assert row.status == before
    assert done.finished_at is not None
    spotify.refresh_from_db()
    assert spotify.track_ids == []  # ids of another album no longer apply


def test_it_touches_only_the_given_platform(release):
    deezer = state(release, "deezer", DetectionStatus.DETECTING)
    deezer_wave = wave(deezer, "", WaveStatus.DETECTING)
    set_album_manually(release, "spotify", LINK)
    deezer_wave.refresh_from_db()
    deezer.refresh_from_db()
    assert deezer_wave.status == WaveStatus.DETECTING and deezer.status == DetectionStatus.DETECTING
    assert platform_ids.release_id(release, "deezer") == ""


def test_it_changes_nothing_for_a_wrong_link(release):
    spotify = state(release, "spotify", DetectionStatus.NOT_FOUND)
    with pytest.raises(ValidationError):
        set_album_manually(release, "spotify", "https://www.deezer.com/album/302127")
    spotify.refresh_from_db()
    assert spotify.status == DetectionStatus.NOT_FOUND and spotify.album_id == ""
    assert platform_ids.release_id(release, "spotify") == ""


def test_a_tidal_album_is_pasted_like_any_other(release):
    result = set_album_manually(release, "tidal", "https://tidal.com/browse/album/77646168")
    assert (result.platform, result.album_id, result.source) == (
        "tidal",
        "77646168",
        DetectionSource.MANUAL,
    )
    assert result.url == "https://tidal.com/album/77646168"
    assert platform_ids.release_id(release, "tidal") == "77646168"
