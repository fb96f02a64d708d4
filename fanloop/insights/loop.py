"""The compounding loop of one artist, release over release, and its forecast.

``releases`` lays out each release: followers on its release day (``audience.Series``),
growth since the previous release, the follows fanloop caused on it (the fan's own follows
through fanloop and the follows executed at delivery, from ``ReleaseFacts``), its engaged
audience (fans with at least one act of their own on it), savers and pre-savers.

``forecast`` is the model, written down here, on the page and in the README::

    E_k = e * F_k * (1 + p * x)      engaged audience of release k
    S_k = s * E_k                    fans who save (pre-save, a track, a one-click save)
    N_k = (c + d) * S_k              new follows through fanloop
    F_k+1 = r * F_k + N_k            followers at the next release

F_1 is the latest follower count; e (engaged per follower), s (savers per engaged),
c (follows per saver), r (followers kept between releases, organic growth included) and
p (pre-savers' share of the engaged) are the artist's measured rates: the mean over its
releases is the forecast, the lowest and highest give the band. d (points of follow
conversion) and x (share more pre-savers) are the what-if inputs. A rate measured on fewer
than two releases is replaced by a default, labelled as such: the save rate and streams per
listener from public observations, the others fanloop's own assumptions.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace

from django.db.models import Count, Q, Sum

from fanloop.catalog.models import Artist, Release
from fanloop.insights.audience import Series
from fanloop.insights.models import ReleaseFacts

# Releases forecast ahead.
HORIZON = 3
# Rates need this many releases with measured numbers before they replace the defaults.
MIN_MEASURED_RELEASES = 2


@dataclass(frozen=True)
class Rate:
    """A rate with its band, and where it comes from."""

    mid: float
    low: float
    high: float
    origin: str  # "measured", "export" (imported figures), "public" or "assumed"
    note: str = ""

    def scaled(self, factor: float) -> Rate:
        return replace(self, mid=self.mid * factor, low=self.low * factor, high=self.high * factor)


# Public observations (streaming-industry rules of thumb): 3-10 % of a release's listeners
# save it; a listener plays it 1.5-2.5 times.
DEFAULT_SAVE_RATE = Rate(0.065, 0.03, 0.10, "public", "3-10 % of listeners save a release")
STREAMS_PER_LISTENER = (1.5, 2.0, 2.5)  # low, mid, high
# fanloop's assumptions where no public figure exists (replaced as soon as measured):
DEFAULT_ENGAGE_RATE = Rate(0.2, 0.1, 0.3, "assumed", "listeners on release day per follower")
DEFAULT_FOLLOW_RATE = Rate(0.1, 0.05, 0.15, "assumed", "savers who follow after the prompt")
DEFAULT_RETENTION = Rate(1.0, 0.97, 1.0, "assumed", "followers kept between releases")
DEFAULT_PRESAVE_SHARE = Rate(0.5, 0.5, 0.5, "assumed", "pre-savers among the engaged")


@dataclass(frozen=True)
class ReleaseRow:
    release: Release
    day: dt.date
    followers: int | None
    growth: int | None  # followers since the previous release's day
    listeners: int | None
    follows_by_fan: int
    follows_at_delivery: int
    engaged: int
    savers: int
    presavers: int

    @property
    def follows_through_fanloop(self) -> int:
        return self.follows_by_fan + self.follows_at_delivery

    @property
    def fanloop_share_of_growth(self) -> float | None:
        if self.growth is None or self.growth <= 0:
            return None
        return self.follows_through_fanloop / self.growth


def releases(artist: Artist) -> list[ReleaseRow]:
    """The artist's releases, oldest first, with the loop's numbers of each."""
    followers = Series(artist, "followers")
    listeners = Series(artist, "listeners")
    facts = {
        row["release"]: row
        for row in ReleaseFacts.objects.filter(artist=artist)
        .values("release")
        .annotate(
            engaged=Count("pk", filter=Q(first_act_at__isnull=False)),
            savers=Count(
                "pk",
                filter=Q(presaved_at__isnull=False)
                | Q(tracks_saved__gt=0)
                | Q(one_click_saves__gt=0),
            ),
            presavers=Count("pk", filter=Q(presaved_at__isnull=False)),
            by_fan=Sum("follows_by_fan"),
            at_delivery=Sum("follows_at_delivery"),
        )
    }
    rows: list[ReleaseRow] = []
    previous: int | None = None
    for release in Release.objects.filter(artist=artist).order_by("release_date", "pk"):
        day = release.release_date
        count = followers.as_of(day)
        row = facts.get(release.pk, {})
        rows.append(
            ReleaseRow(
                release=release,
                day=day,
                followers=count,
                growth=count - previous if count is not None and previous is not None else None,
                listeners=listeners.as_of(day),
                follows_by_fan=int(row.get("by_fan") or 0),
                follows_at_delivery=int(row.get("at_delivery") or 0),
                engaged=int(row.get("engaged") or 0),
                savers=int(row.get("savers") or 0),
                presavers=int(row.get("presavers") or 0),
            )
        )
        if count is not None:
            previous = count
    return rows


@dataclass(frozen=True)
class Rates:
    engage: Rate
    save: Rate
    follow: Rate
    retention: Rate
    presave_share: Rate


def _measured(values: list[float], default: Rate, note: str) -> Rate:
    if len(values) < MIN_MEASURED_RELEASES:
        return default
    return Rate(sum(values) / len(values), min(values), max(values), "measured", note)


def fit(
    rows: list[ReleaseRow],
    latest_listeners: int | None,
    latest_streams: int | None,
    latest_followers: int | None,
) -> Rates:
    """The model's rates from the artist's releases (defaults where too few are measured)."""
    engage = [r.engaged / r.followers for r in rows if r.followers and r.engaged]
    save = [r.savers / r.engaged for r in rows if r.engaged]
    follow = [r.follows_through_fanloop / r.savers for r in rows if r.savers]
    presave = [r.presavers / r.engaged for r in rows if r.engaged]
    retention = [
        (nxt.followers - cur.follows_through_fanloop) / cur.followers
        for cur, nxt in itertools.pairwise(rows)
        if cur.followers and nxt.followers is not None
    ]
    engage_default = DEFAULT_ENGAGE_RATE
    if latest_followers:
        # An imported export gives listeners per follower directly (or through streams).
        if latest_listeners is not None:
            share = latest_listeners / latest_followers
            engage_default = Rate(share, share, share, "export", "daily listeners per follower")
        elif latest_streams is not None:
            low, mid, high = (latest_streams / n / latest_followers for n in STREAMS_PER_LISTENER)
            engage_default = Rate(
                mid,
                high,
                low,
                "public",
                "daily streams ÷ 1.5-2.5 streams per listener, per follower",
            )
    return Rates(
        engage=_measured(engage, engage_default, "engaged fans per follower"),
        save=_measured(save, DEFAULT_SAVE_RATE, "savers among the engaged"),
        follow=_measured(follow, DEFAULT_FOLLOW_RATE, "follows through fanloop per saver"),
        retention=_measured(retention, DEFAULT_RETENTION, "followers kept between releases"),
        presave_share=_measured(presave, DEFAULT_PRESAVE_SHARE, "pre-savers among the engaged"),
    )


@dataclass(frozen=True)
class WhatIf:
    follow_points: float = 0.0  # d: points added to the follow conversion (5 = +5 points)
    presavers_pct: float = 0.0  # x: per cent more pre-savers (10 = +10 %)


@dataclass(frozen=True)
class Step:
    number: int  # 1 = the next release
    followers: float
    engaged: float
    engaged_low: float
    engaged_high: float
    new_follows: float


def project(start: float, rates: Rates, what_if: WhatIf, horizon: int = HORIZON) -> list[Step]:
    """The next ``horizon`` releases from ``start`` followers (deterministic)."""

    def run(pick: str) -> list[tuple[float, float, float]]:
        followers = start
        out = []
        for _ in range(horizon):
            e = getattr(rates.engage, pick)
            s = getattr(rates.save, pick)
            c = max(0.0, min(1.0, getattr(rates.follow, pick) + what_if.follow_points / 100))
            r = getattr(rates.retention, pick)
            p = getattr(rates.presave_share, pick)
            engaged = e * followers * max(0.0, 1 + p * what_if.presavers_pct / 100)
            follows = c * s * engaged
            out.append((followers, engaged, follows))
            followers = r * followers + follows
        return out

    mid, low, high = run("mid"), run("low"), run("high")
    return [
        Step(
            number=k + 1,
            followers=mid[k][0],
            engaged=mid[k][1],
            engaged_low=min(low[k][1], high[k][1]),
            engaged_high=max(low[k][1], high[k][1]),
            new_follows=mid[k][2],
        )
        for k in range(horizon)
    ]


@dataclass(frozen=True)
class Forecast:
    rows: list[ReleaseRow]
    rates: Rates
    start: int | None  # latest follower count (None: no follower figure yet)
    steps: list[Step]
    measured_releases: int


def forecast(artist: Artist, what_if: WhatIf, today: dt.date) -> Forecast:
    rows = releases(artist)
    followers = Series(artist, "followers")
    latest = followers.as_of(today)
    rates = fit(
        rows,
        Series(artist, "listeners").as_of(today),
        Series(artist, "streams").as_of(today),
        latest,
    )
    measured = sum(1 for r in rows if r.followers and r.engaged)
    steps = project(float(latest), rates, what_if) if latest else []
    return Forecast(rows, rates, latest, steps, measured)
