"""The flow panels of other apps' pages: the fan view's engagement and journeys, the release
page's library checks; registered in ``FlowsConfig.ready`` (``fanloop/lib/panels.py``)."""

from __future__ import annotations

from typing import Any

from django.template import Context
from django.template.loader import render_to_string

from fanloop.analytics.models import FanEvent
from fanloop.catalog.models import Release
from fanloop.flows.checks import fan_checks, release_checks
from fanloop.flows.models import Journey
from fanloop.flows.scoring import breakdown, release_scores
from fanloop.lib import panels

JOURNEYS_SHOWN = 20
EVENTS_SHOWN = 50


def fan_engagement(context: Context, fan: Any) -> str:
    """Engagement score per release (``fanloop.flows.scoring``) and the fan's journeys."""
    scores = release_scores(fan)
    releases = Release.objects.filter(pk__in=list(scores)).select_related("artist")
    by_score = sorted(releases, key=lambda r: (-scores[r.pk], r.title))
    journeys = (
        Journey.objects.filter(fan=fan)
        .select_related("flow", "version", "release")
        .order_by("-started")[: JOURNEYS_SHOWN + 1]
    )
    rows = list(journeys)
    events = list(
        FanEvent.objects.filter(fan_id=fan.pk)
        .select_related("release")
        .order_by("-created", "-pk")[: EVENTS_SHOWN + 1]
    )
    return render_to_string(
        "flows/_fan_engagement.html",
        {
            "workspace": context.get("workspace"),
            "scores": [
                (release, scores[release.pk], breakdown(fan, release)) for release in by_score
            ],
            "journeys": rows[:JOURNEYS_SHOWN],
            "more_journeys": len(rows) > JOURNEYS_SHOWN,
            "checks": fan_checks(fan),
            "events": events[:EVENTS_SHOWN],
            "more_events": len(events) > EVENTS_SHOWN,
        },
    )


def release_library_checks(context: Context, release: Release) -> str:
    """Kept at +1 / +7 / +30 days, as counts and shares of the fans checked."""
    return render_to_string(
        "flows/_release_checks.html",
        {
            "workspace": context.get("workspace"),
            "release": release,
            "checks": release_checks(release),
        },
    )


def register() -> None:
    panels.register("fans.fan", "engagement", fan_engagement, order=20)
    panels.register("catalog.release", "library_checks", release_library_checks, order=30)
