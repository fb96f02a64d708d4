"""Engagement score: documented weights, caps on repeats, per release, one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan
from fanloop.flows.scoring import audience_scores, engagement_score, release_scores

pytestmark = pytest.mark.django_db


def _event(fan: Fan, kind: str, key: str, actor: str = "fan", **kw: Any) -> None:
    record_fan_event(fan, kind, key=key, actor=actor, **kw)


def test_it_is_zero_without_events(fan: Fan, release: Release) -> None:
    assert engagement_score(fan) == 0
    assert engagement_score(fan, release) == 0
    assert release_scores(fan) == {}


def test_it_weighs_opens_clicks_saves_and_follows(fan: Fan, release: Release) -> None:
    _event(fan, FanEventKind.EMAIL_OPENED, "o1", release=release)
    _event(fan, FanEventKind.EMAIL_CLICKED, "c1", release=release)
    _event(fan, FanEventKind.SAVED, "s1", release=release)
    _event(fan, FanEventKind.TRACK_SAVED, "t1", release=release)
    _event(fan, FanEventKind.FOLLOWED, "f1", release=release)
    assert engagement_score(fan, release) == 1 + 3 + 5 + 4 + 10


def test_only_what_the_fan_did_counts(fan: Fan, release: Release) -> None:
    """A pre-saver whose only act was the pre-save scores 2, whatever fanloop did for them:
    the release-day save, a follow at delivery, the checks that the save is kept."""
    _event(fan, FanEventKind.PRESAVED, "p", release=release)
    _event(fan, FanEventKind.SAVED, "d", "fanloop", release=release, data={"via": "delivery"})
    _event(fan, FanEventKind.FOLLOWED, "df", "fanloop", release=release)
    _event(fan, FanEventKind.SAVE_VERIFIED, "v", "fanloop", release=release)
    _event(fan, FanEventKind.SAVE_KEPT_7D, "k7", "fanloop", release=release)
    _event(fan, FanEventKind.SAVE_KEPT_30D, "k30", "fanloop", release=release)
    assert engagement_score(fan, release) == 2
    assert release_scores(fan) == {release.pk: 2}


def test_removing_the_release_counts_against_the_fan(fan: Fan, release: Release) -> None:
    _event(fan, FanEventKind.PRESAVED, "p", release=release)
    _event(fan, FanEventKind.SAVE_MISSING, "m", release=release)
    assert engagement_score(fan, release) == 2 - 5


def test_the_audience_is_scored_in_one_query(fan: Fan, release: Release) -> None:
    other = Fan.objects.create(workspace=fan.workspace, email="other@example.org")
    _event(fan, FanEventKind.EMAIL_CLICKED, "c", release=release)
    _event(other, FanEventKind.PRESAVED, "p", release=release)
    _event(other, FanEventKind.SAVED, "d", "fanloop", release=release)
    with CaptureQueriesContext(connection) as queries:
        scores = audience_scores([fan.pk, other.pk], release)
    assert scores == {fan.pk: 3, other.pk: 2} and _event_log_reads(queries) == 1


def test_it_caps_repeated_opens(fan: Fan, release: Release) -> None:
    for n in range(12):
        _event(fan, FanEventKind.EMAIL_OPENED, f"o{n}", release=release)
    assert engagement_score(fan, release) == 5


def test_it_ignores_events_that_are_not_engagement(fan: Fan, release: Release) -> None:
    _event(fan, FanEventKind.EMAIL_SENT, "sent", release=release)
    _event(fan, FanEventKind.SAVE_VERIFIED, "verified", "fanloop", release=release)
    assert engagement_score(fan, release) == 0


def test_it_scores_one_release_apart_from_others(fan: Fan, release: Release) -> None:
    other = Release.objects.create(
        artist=release.artist, title="B", slug="b", release_date=release.release_date
    )
    _event(fan, FanEventKind.EMAIL_CLICKED, "c-a", release=release)
    _event(fan, FanEventKind.SAVED, "s-b", release=other)
    assert engagement_score(fan, release) == 3
    assert engagement_score(fan, other) == 5
    assert engagement_score(fan) == 8
    assert release_scores(fan) == {release.pk: 3, other.pk: 5}


def test_a_follow_counts_for_every_release_of_the_artist(fan: Fan, release: Release) -> None:
    other = Release.objects.create(
        artist=release.artist, title="B", slug="b", release_date=release.release_date
    )
    elsewhere = Artist.objects.create(workspace=fan.workspace, name="X", slug="x")
    third = Release.objects.create(
        artist=elsewhere, title="C", slug="c", release_date=release.release_date
    )
    _event(fan, FanEventKind.FOLLOWED, "follow", release=release)
    _event(fan, FanEventKind.EMAIL_OPENED, "o-b", release=other)
    _event(fan, FanEventKind.EMAIL_OPENED, "o-c", release=third)
    assert engagement_score(fan, other) == 11
    assert engagement_score(fan, third) == 1
    assert release_scores(fan) == {release.pk: 10, other.pk: 11, third.pk: 1}


def test_it_reads_the_score_in_one_query(fan: Fan, release: Release) -> None:
    for n in range(3):
        _event(fan, FanEventKind.EMAIL_OPENED, f"o{n}", release=release)
    with CaptureQueriesContext(connection) as queries:
        engagement_score(fan, release)
    assert _event_log_reads(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        release_scores(fan)
    assert _event_log_reads(queries) == 1


def _event_log_reads(queries: CaptureQueriesContext) -> int:
    """Queries of the fan event log; at most one other query reads the workspace's
    recalibrated points (``scoring.weights_for``)."""
    reads = sum("analytics_fanevent" in q["sql"] for q in queries.captured_queries)
    assert len(queries) - reads <= 1, [q["sql"] for q in queries.captured_queries]
    return reads


def test_it_never_counts_another_fans_events(fan: Fan, release: Release) -> None:
    other = Fan.objects.create(workspace=fan.workspace, email="other@example.org")
    _event(other, FanEventKind.SAVED, "s-other", release=release)
    assert engagement_score(fan, release) == 0
