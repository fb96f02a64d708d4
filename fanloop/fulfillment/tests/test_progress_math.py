"""The progress numbers: ETA from the rate, whole percents, durations; no division by zero."""

from __future__ import annotations

import pytest

from fanloop.fulfillment.progress import Counts, eta_seconds, format_duration, percent


def test_it_has_no_eta_when_nothing_is_delivered_per_minute():
    assert eta_seconds(10, 0) is None


def test_it_has_a_zero_eta_when_nothing_is_left():
    assert eta_seconds(0, 0) == 0
    assert eta_seconds(0, 120) == 0


@pytest.mark.parametrize(
    ("remaining", "per_minute", "seconds"),
    [(60, 60, 60), (90, 60, 90), (1, 7, 9), (1000, 600, 100)],
)
def test_it_computes_the_eta_from_the_rate(remaining, per_minute, seconds):
    assert eta_seconds(remaining, per_minute) == seconds


def test_it_gives_zero_percent_of_nothing():
    assert percent(0, 0) == 0
    assert Counts().percent == 0
    assert Counts().delivered_percent == 0
    assert Counts().problem_percent == 0


def test_it_shows_100_percent_only_when_complete():
    assert percent(999, 1000) == 99
    assert percent(1000, 1000) == 100
    assert percent(1, 3) == 33


def test_it_counts_sending_as_pending_and_outcomes_as_finished():
    counts = Counts()
    counts.add("delivered", 6, recent=4)
    counts.add("sending", 2)
    counts.add("pending", 1)
    counts.add("failed", 2)
    counts.add("needs_reconnect", 1)
    assert (counts.delivered, counts.pending, counts.problems, counts.total) == (6, 3, 3, 12)
    assert counts.finished == 9
    assert counts.percent == 75
    assert counts.delivered_percent == 50
    assert counts.problem_percent == 25
    assert counts.rate_per_minute == 4
    assert counts.eta_seconds == 45


def test_its_bar_segments_never_overflow_the_bar():
    counts = Counts()
    counts.add("delivered", 2)
    counts.add("failed", 1)
    assert counts.delivered_percent + counts.problem_percent <= 100


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (0, "0 s"), (59, "59 s"), (60, "1 min"), (61, "2 min"), (3600, "1 h"),
     (4800, "1 h 20 min")],
)  # fmt: skip
def test_it_formats_durations(seconds, text):
    assert format_duration(seconds) == text
