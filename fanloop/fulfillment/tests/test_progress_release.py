"""Progress of one release, read from the engine's rows: per platform and market, the rate
over the last minute, when to keep polling; a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fanloop.fulfillment.models import DetectionStatus, PrecheckStatus, WaveStatus
from fanloop.fulfillment.progress import release_progress

from .ui_fixtures import (  # noqa: F401 - fixtures
    artist_fixture,
    deliveries,
    make_fans,
    presave,
    release_fixture,
    state,
    wave,
)


def test_it_is_empty_without_pre_savers(release):
    progress = release_progress(release)
    assert progress.platforms == []
    assert progress.counts.total == 0
    assert not progress.active and not progress.started and not progress.done


def test_it_lists_platforms_with_pre_savers_before_release_day(release, workspace):
    presave(release, make_fans(workspace, 3), "deezer")
    presave(release, make_fans(workspace, 2, "s"), "spotify")
    presave(release, make_fans(workspace, 1, "e"), "email")  # notify-me: nothing to deliver
    progress = release_progress(release)
    assert [(row.platform, row.presavers) for row in progress.platforms] == [
        ("spotify", 2),
        ("deezer", 3),
    ]
    assert progress.presavers == 5
    assert progress.platforms[0].status == DetectionStatus.SCHEDULED


def test_it_counts_per_platform_and_market(release):
    spotify = state(release, "spotify", DetectionStatus.LIVE, album_id="x" * 22)
    de = wave(spotify, "DE", WaveStatus.DELIVERING)
    us = wave(spotify, "US", WaveStatus.SCHEDULED, instant=timezone.now() + dt.timedelta(hours=6))
    deliveries(release, {"delivered": 5, "pending": 3, "sending": 1, "failed": 2}, market="DE",
               on_wave=de)  # fmt: skip
    deliveries(release, {"needs_reconnect": 1}, market="DE", on_wave=de)
    deliveries(release, {"delivered": 2}, platform="deezer", market="")
    progress = release_progress(release)
    spotify_row, deezer_row = progress.platforms
    assert [m.market for m in spotify_row.markets] == ["DE", "US"]
    de_row, us_row = spotify_row.markets
    assert (de_row.counts.delivered, de_row.counts.pending, de_row.counts.failed) == (5, 4, 2)
    assert de_row.counts.needs_reconnect == 1
    assert us_row.counts.total == 0 and us_row.wave == us
    assert spotify_row.counts.total == 12
    assert deezer_row.state is None and deezer_row.markets[0].label == "All markets"
    assert progress.counts.total == 14 and progress.counts.delivered == 7
    assert progress.active and not progress.done


def test_its_rate_counts_deliveries_of_the_last_minute_only(release):
    now = timezone.now()
    deliveries(release, {"delivered": 30}, delivered_at=now - dt.timedelta(seconds=20))
    deliveries(release, {"delivered": 50}, delivered_at=now - dt.timedelta(seconds=61))
    deliveries(release, {"pending": 60})
    progress = release_progress(release, now=now)
    assert progress.counts.rate_per_minute == 30
    assert progress.counts.eta_seconds == 120
    assert progress.eta_seconds == 120


def test_a_young_run_is_measured_over_its_own_time_not_the_whole_minute(release):
    """A run 20 s old that delivered 100 fans goes at 300 a minute: measured over the
    whole 60 s window it read as 100 a minute, an ETA three times too long."""
    now = timezone.now()
    deliveries(release, {"delivered": 40}, delivered_at=now - dt.timedelta(seconds=20))
    deliveries(release, {"delivered": 60}, delivered_at=now - dt.timedelta(seconds=2))
    deliveries(release, {"pending": 600})
    progress = release_progress(release, now=now)
    assert progress.counts.rate_per_minute == 300
    assert progress.eta_seconds == 120


def test_it_has_no_eta_when_pending_deliveries_do_not_move(release):
    deliveries(release, {"pending": 5}, platform="deezer")
    deliveries(release, {"pending": 5, "delivered": 10})
    progress = release_progress(release)
    # spotify: 10 delivered just now, measured over at least 10 s: 60 a minute, 5 left
    assert progress.platforms[0].counts.eta_seconds == 5
    assert progress.eta_seconds is None  # deezer is stalled


def test_it_is_done_when_every_delivery_has_an_outcome_and_no_wave_waits(release):
    spotify = state(release, "spotify", DetectionStatus.LIVE)
    done = wave(spotify, "", WaveStatus.DONE)
    deliveries(release, {"delivered": 4, "failed": 1}, on_wave=done)
    progress = release_progress(release)
    assert progress.done and not progress.active
    assert progress.eta_seconds == 0


def test_it_keeps_polling_while_a_wave_is_due_soon(release):
    spotify = state(release, "spotify")
    soon = wave(spotify, "", WaveStatus.SCHEDULED, instant=timezone.now() + dt.timedelta(minutes=3))
    assert release_progress(release).active
    soon.instant = timezone.now() + dt.timedelta(days=2)
    soon.save()
    assert not release_progress(release).active


def test_it_warns_about_a_missing_upc_until_the_release_is_live(release):
    spotify = state(release, "spotify", precheck_status=PrecheckStatus.MISSING)
    deezer = state(release, "deezer", precheck_status=PrecheckStatus.FOUND)
    rows = {row.platform: row for row in release_progress(release).platforms}
    # Before the release's first instant, not listed yet is normal: no warning.
    assert rows["spotify"].precheck_not_listed_yet and not rows["spotify"].precheck_warning
    assert not rows["deezer"].precheck_not_listed_yet
    after = release.first_instant() + dt.timedelta(minutes=1)
    rows = {row.platform: row for row in release_progress(release, now=after).platforms}
    assert rows["spotify"].precheck_warning and not rows["deezer"].precheck_warning
    assert not rows["spotify"].precheck_not_listed_yet
    spotify.status = DetectionStatus.LIVE
    spotify.save()
    assert not release_progress(release, now=after).platforms[0].precheck_warning
    assert deezer.pk


def test_it_reads_everything_in_four_queries(release, django_assert_num_queries):
    for platform in ("spotify", "deezer", "applemusic"):
        platform_state = state(release, platform, DetectionStatus.LIVE)
        for market in ("DE", "US", "JP"):
            on = wave(platform_state, market, WaveStatus.DELIVERING)
            deliveries(release, {"delivered": 2, "failed": 1}, platform=platform, market=market,
                       on_wave=on)  # fmt: skip
    with django_assert_num_queries(4):
        progress = release_progress(release)
        assert progress.counts.total == 27


def test_it_reads_detection_from_the_waves(release):
    spotify = state(release, "spotify")  # the engine leaves the platform row "scheduled"
    nz = wave(spotify, "NZ", WaveStatus.NOT_FOUND, polls=30, last_poll_message="No album yet.")
    de = wave(spotify, "DE", WaveStatus.DETECTING, polls=3, last_poll_message="Not found yet.")
    row = release_progress(release).platforms[0]
    assert row.phase == DetectionStatus.DETECTING and row.polls == 33
    assert row.next_instant == de.instant
    de.status = WaveStatus.NOT_FOUND
    de.save()
    row = release_progress(release).platforms[0]
    assert row.phase == DetectionStatus.NOT_FOUND and row.status_label == "Not found"
    assert row.last_poll == de and nz.pk
    spotify.status = DetectionStatus.LIVE
    spotify.save()
    assert release_progress(release).platforms[0].phase == DetectionStatus.LIVE


def test_it_leaves_out_the_email_pseudo_platform(release, workspace):
    presave(release, make_fans(workspace, 2), "email")
    email = state(release, "email")
    wave(email, "", WaveStatus.SCHEDULED, instant=timezone.now() + dt.timedelta(minutes=1))
    progress = release_progress(release)
    assert progress.platforms == [] and not progress.active
