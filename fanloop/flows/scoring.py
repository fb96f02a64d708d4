"""Engagement score of a fan, overall or for one release, from the fan's own acts.

Only events the fan initiated count (``FanEvent.actor == "fan"``): a pre-save, a click, a
one-click save, a track the fan saved, a follow by click. What fanloop did for the fan (the
release-day save, a forever save, a follow at delivery from an up-front consent, a check,
a sent email) counts nothing, so a fan whose only act was the pre-save scores 2.

Each event kind is worth a fixed number of points; repeats of one kind count up to a cap,
so a fan who opens the same email twenty times is not a superfan. ``WEIGHTS`` is the only
place the default numbers live (the flow editor's score page and the fan page read it); a
workspace may recalibrate the points from its own leverage table (``weights_for``: insights
registers the workspace's points, the caps stay):

    ============================  ======  ========
    event (by the fan)            points  counted
    ============================  ======  ========
    email opened                  1       up to 5
    email link clicked            3       up to 5
    pre-saved                     2       up to 3
    saved (one-click)             5       up to 3
    saved a track of the release  4       up to 3
    followed the artist           10      up to 1
    forever-save opt-in           5       up to 1
    removed the release           -5      up to 1
    ============================  ======  ========

Scored for a release, the fan's events of that release count, plus the fan's follows of
the release's artist whichever release prompted them (a follow is of the artist). One
aggregate query of the event log either way (plus one read of the workspace's points, see
``weights_for``); ``release_scores`` scores every release of a fan in one such query,
``audience_scores`` every fan of a set in one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, IntegerField, Q, Value
from django.db.models.functions import Least

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan


@dataclass(frozen=True)
class Weight:
    points: int
    cap: int
    why: str = ""


WEIGHTS: Mapping[str, Weight] = {
    FanEventKind.EMAIL_OPENED: Weight(1, 5, "opened an email (opens are unreliable: few points)"),
    FanEventKind.EMAIL_CLICKED: Weight(3, 5, "clicked a link in an email"),
    FanEventKind.PRESAVED: Weight(2, 3, "pre-saved the release"),
    FanEventKind.SAVED: Weight(5, 3, "saved the release with one click"),
    FanEventKind.TRACK_SAVED: Weight(4, 3, "saved a track of the release they chose"),
    FanEventKind.FOLLOWED: Weight(10, 1, "followed the artist"),
    FanEventKind.FOREVER_SAVE_OPTIN: Weight(5, 1, "asked for every future release"),
    FanEventKind.SAVE_MISSING: Weight(-5, 1, "removed the release from their library"),
}
# What does not count, in words (the score page lists it).
NOT_COUNTED = (
    "anything fanloop did for the fan: the release-day save, a forever save, a follow "
    "made at delivery from an up-front consent",
    "checks that a save is still there (kept at 7 or 30 days): keeping is not an act",
    "emails sent, bounces, tags",
)
# Fan acts after the release that show real engagement (an open alone does not).
POST_RELEASE_ACTS = (
    FanEventKind.EMAIL_CLICKED,
    FanEventKind.SAVED,
    FanEventKind.TRACK_SAVED,
    FanEventKind.FOLLOWED,
)


# A higher app may keep recalibrated points per workspace (insights does, from the
# leverage table): it registers a function {workspace id → {kind: points}} or None here.
PointsProvider = Callable[[int], Mapping[str, int] | None]
_points_providers: dict[str, PointsProvider] = {}


def register_points(name: str, provider: PointsProvider) -> None:
    """Add (or replace, when ``ready`` runs twice) a source of per-workspace points."""
    _points_providers[name] = provider


def weights_for(workspace_id: int) -> Mapping[str, Weight]:
    """``WEIGHTS`` with the workspace's recalibrated points, if it has any (caps stay)."""
    for provider in _points_providers.values():
        points = provider(workspace_id)
        if points:
            return {
                kind: replace(weight, points=int(points.get(str(kind), weight.points)))
                for kind, weight in WEIGHTS.items()
            }
    return WEIGHTS


def fan_events() -> Any:
    """The events scores are made of: the fan's own, of a weighted kind."""
    return FanEvent.objects.filter(actor=Actor.FAN, kind__in=list(WEIGHTS))


def score_counts(counts: Mapping[str, int], weights: Mapping[str, Weight] = WEIGHTS) -> int:
    """Points for event counts per kind (kinds without a weight count nothing)."""
    total = 0
    for kind, count in counts.items():
        weight = weights.get(kind)
        if weight is not None:
            total += weight.points * min(int(count or 0), weight.cap)
    return total


def _count_columns() -> dict[str, Any]:
    return {str(kind): Count("id", filter=Q(kind=kind)) for kind in WEIGHTS}


# Events about the artist, not one release: they count for each of the artist's releases.
ARTIST_WIDE = (FanEventKind.FOLLOWED, FanEventKind.FOREVER_SAVE_OPTIN)


def _release_filter(release: Release) -> Q:
    return Q(release_id=release.pk) | Q(kind__in=ARTIST_WIDE, artist_id=release.artist_id)


def engagement_score(fan: Fan, release: Release | None = None) -> int:
    """The fan's score (see the module docstring), for one release when one is given."""
    events = fan_events().filter(fan_id=fan.pk)
    if release is not None:
        events = events.filter(_release_filter(release))
    return score_counts(events.aggregate(**_count_columns()), weights_for(fan.workspace_id))


def release_scores(fan: Fan) -> dict[int, int]:
    """{release id: score} for every release the fan has scored events of (one query).

    Artist-wide events (a follow) count for each of that artist's releases listed here.
    """
    rows = (
        fan_events()
        .filter(fan_id=fan.pk)
        .values("release_id", "release__artist_id", "artist_id", "kind")
        .annotate(n=Count("id"))
    )
    per_release: dict[int, dict[str, int]] = {}
    release_artist: dict[int, int] = {}
    artist_wide: dict[int, dict[str, int]] = {}
    for row in rows:
        kind, n = row["kind"], row["n"]
        if kind in ARTIST_WIDE:
            if row["artist_id"] is not None:
                counts = artist_wide.setdefault(row["artist_id"], {})
                counts[kind] = counts.get(kind, 0) + n
            if row["release_id"] is not None:
                per_release.setdefault(row["release_id"], {})
                release_artist[row["release_id"]] = row["release__artist_id"]
            continue
        if row["release_id"] is None:
            continue
        counts = per_release.setdefault(row["release_id"], {})
        counts[kind] = counts.get(kind, 0) + n
        release_artist[row["release_id"]] = row["release__artist_id"]
    scores: dict[int, int] = {}
    weights = weights_for(fan.workspace_id)
    for release_id, counts in per_release.items():
        merged = dict(counts)
        for kind, n in artist_wide.get(release_artist[release_id], {}).items():
            merged[kind] = merged.get(kind, 0) + n
        scores[release_id] = score_counts(merged, weights)
    return scores


def audience_scores(fan_ids: Any, release: Release) -> dict[int, int]:
    """{fan id: score for ``release``} for every fan of ``fan_ids`` (a list or a subquery);
    fans without a scored event are absent (their score is 0). One query."""
    rows = (
        fan_events()
        .filter(_release_filter(release), fan_id__in=fan_ids)
        .values("fan_id", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["fan_id"], {})[row["kind"]] = row["n"]
    weights = weights_for(release.artist.workspace_id)
    return {fan_id: score_counts(c, weights) for fan_id, c in counts.items()}


def workspace_scores(workspace: Workspace) -> Any:
    """Rows ``{"fan_id", "score"}``, the overall score of every fan of ``workspace`` with a
    scored event, computed in SQL (a subquery segments filter on: ``score__gte``)."""
    score: Any = Value(0, output_field=IntegerField())
    for kind, weight in WEIGHTS.items():
        capped = Least(Count("id", filter=Q(kind=kind)), Value(weight.cap))
        score = score + capped * Value(weight.points)
    return (
        fan_events().filter(workspace=workspace).values("fan_id").annotate(score=score).order_by()
    )


def breakdown(fan: Fan, release: Release) -> list[tuple[str, int, int, int]]:
    """(what, times, counted, points) per weighted kind the fan has for ``release``."""
    counts = fan_events().filter(fan_id=fan.pk).filter(_release_filter(release))
    totals = counts.aggregate(**_count_columns())
    out = []
    for kind, weight in weights_for(fan.workspace_id).items():
        n = int(totals.get(str(kind)) or 0)
        if n:
            counted = min(n, weight.cap)
            out.append((weight.why or str(kind), n, counted, counted * weight.points))
    return out
