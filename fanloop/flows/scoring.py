"""Engagement score of a fan, overall or for one release, from the fan event log.

Each event kind is worth a fixed number of points; repeated events of one kind count up to
a cap, so a fan who opens the same email twenty times is not a superfan:

    ============================  ======  ========
    event                         points  counted
    ============================  ======  ========
    email opened                  1       up to 5
    email link clicked            3       up to 5
    pre-saved                     2       up to 3
    saved (one-click or API)      5       up to 3
    save verified on platform     2       up to 3
    save kept 7 days              5       up to 3
    save kept 30 days             8       up to 3
    followed the artist           10      up to 1
    forever-save opt-in           5       up to 1
    ============================  ======  ========

Scored for a release, the fan's events of that release count, plus the fan's follows of
the release's artist whichever release prompted them (a follow is of the artist). One
aggregate query either way; ``release_scores`` scores every release of a fan in one query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan


@dataclass(frozen=True)
class Weight:
    points: int
    cap: int


WEIGHTS: Mapping[str, Weight] = {
    FanEventKind.EMAIL_OPENED: Weight(1, 5),
    FanEventKind.EMAIL_CLICKED: Weight(3, 5),
    FanEventKind.PRESAVED: Weight(2, 3),
    FanEventKind.SAVED: Weight(5, 3),
    FanEventKind.SAVE_VERIFIED: Weight(2, 3),
    FanEventKind.SAVE_KEPT_7D: Weight(5, 3),
    FanEventKind.SAVE_KEPT_30D: Weight(8, 3),
    FanEventKind.FOLLOWED: Weight(10, 1),
    FanEventKind.FOREVER_SAVE_OPTIN: Weight(5, 1),
}


def score_counts(counts: Mapping[str, int]) -> int:
    """Points for event counts per kind (kinds without a weight count nothing)."""
    total = 0
    for kind, count in counts.items():
        weight = WEIGHTS.get(kind)
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
    events = FanEvent.objects.filter(fan_id=fan.pk, kind__in=list(WEIGHTS))
    if release is not None:
        events = events.filter(_release_filter(release))
    return score_counts(events.aggregate(**_count_columns()))


def release_scores(fan: Fan) -> dict[int, int]:
    """{release id: score} for every release the fan has scored events of (one query).

    Artist-wide events (a follow) count for each of that artist's releases listed here.
    """
    rows = (
        FanEvent.objects.filter(fan_id=fan.pk, kind__in=list(WEIGHTS))
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
    for release_id, counts in per_release.items():
        merged = dict(counts)
        for kind, n in artist_wide.get(release_artist[release_id], {}).items():
            merged[kind] = merged.get(kind, 0) + n
        scores[release_id] = score_counts(merged)
    return scores
