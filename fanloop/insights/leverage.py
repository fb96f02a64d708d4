"""The leverage table: does an action on one release make the fan come back for the next?

For an artist's consecutive releases N and N+1 (by release date), every fan known at N
(a facts row on any of the artist's releases up to N) is in the baseline; a cohort is the
known fans who took action A on N. The long-term outcome is whether the fan took any act of
their own (``actor=fan``: a pre-save, a one-click save, a track saved, a follow, an email
click, an opt-in) on N+1 no later than 30 days after N+1 came out; the short-term outcome
is whether the fan acted on N itself in its release week. Pairs of releases are pooled.

The interval is Wilson's score interval at 95 % (z = 1.96), for k successes out of n:

    (p + z^2/2n +- z*sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),  p = k/n
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.insights import leverage_results
from fanloop.insights.funnel import source_of
from fanloop.insights.models import Kept, LeverageGroup, ReleaseFacts

Z95 = 1.96
WINDOW = leverage_results.WINDOW
WILSON_FORMULA = (
    "Wilson score interval, 95 % (z = 1.96): "
    "(p + z^2/2n +- z*sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = k/n"
)
# Below this many fans a cohort's share is shown but not given a role.
MIN_COHORT = 20

_KEPT = (Kept.KEPT_7D, Kept.KEPT_30D)


def _acted(f: ReleaseFacts | None) -> bool:
    return f is not None and f.first_act_at is not None


def _presaved_only(f: ReleaseFacts | None) -> bool:
    return (
        f is not None
        and f.presaved_at is not None
        and f.kept not in _KEPT
        and not (f.tracks_saved or f.one_click_saves or f.follows_by_fan or f.email_clicks)
    )


# (key, label, who is in the cohort, the words of the sentence)
ACTIONS: Sequence[tuple[str, str, Callable[[ReleaseFacts | None], bool], str]] = (
    ("presaved_only", "Pre-saved only", _presaved_only, "only pre-saved"),
    (
        "presaved_kept",
        "Pre-saved and kept",
        lambda f: f is not None and f.presaved_at is not None and f.kept in _KEPT,
        "pre-saved and kept the save",
    ),
    ("tracks", "Saved tracks", lambda f: f is not None and f.tracks_saved > 0, "saved a track"),
    (
        "one_click",
        "One-click saved",
        lambda f: f is not None and f.one_click_saves > 0,
        "saved with one click",
    ),
    ("followed", "Followed", lambda f: f is not None and f.follows_by_fan > 0, "followed"),
    (
        "email_click",
        "Clicked an email",
        lambda f: f is not None and f.email_clicks > 0,
        "clicked an email",
    ),
    (
        "no_act",
        "Known, no act on N",
        lambda f: not _acted(f),
        "took no action (known from before, or only visited)",
    ),
)


@dataclass(frozen=True)
class Share:
    k: int
    n: int

    @property
    def p(self) -> float | None:
        return self.k / self.n if self.n else None

    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n)

    def lift_over(self, baseline: Share) -> float | None:
        """How many times the baseline's share this share is; None when either is unknown
        or the baseline is 0."""
        p, base = self.p, baseline.p
        return p / base if p is not None and base else None


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    if n == 0:
        return None
    p = k / n
    denominator = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    long_term: Share
    short_term: Share
    baseline: Share
    phrase: str

    @property
    def lift(self) -> float | None:
        return self.long_term.lift_over(self.baseline)

    @property
    def role(self) -> str:
        interval = self.long_term.interval()
        base = self.baseline.p
        if interval is None or base is None or self.long_term.n < MIN_COHORT:
            return "Too few fans to say"
        if interval[0] > base:
            return "Builds leverage"
        if interval[1] < base:
            return "Short-lived"
        return "No clear effect"

    def sentence(self, pair: tuple[str, str] | None) -> str:
        lift = self.lift
        if self.long_term.n == 0 or lift is None:
            return f"No fan {self.phrase} yet."
        if pair is None:
            on, next_one = "on a release", "the next release"
        else:
            on, next_one = f"on {pair[0]}", pair[1]
        return (
            f"Fans who {self.phrase} {on} were {lift:.1f} times as likely as the average fan "
            f"to act on {next_one} within 30 days of its release "
            f"({self.long_term.k} of {self.long_term.n})."
        )


@dataclass(frozen=True)
class Table:
    title: str
    rows: list[Row]
    baseline: Share
    baseline_short: Share
    pairs: list[tuple[Release, Release]]
    # Pairs whose 30-day window after N+1's release has not closed yet.
    open_pairs: list[tuple[Release, Release]]
    # When the stored groups the table is built from were computed (the oldest of them).
    computed_at: dt.datetime | None = None

    @property
    def pair_titles(self) -> tuple[str, str] | None:
        if len(self.pairs) != 1:
            return None
        first, second = self.pairs[0]
        return first.title, second.title


@dataclass
class _Tally:
    k: int = 0
    n: int = 0
    short: int = 0

    def add(self, long_term: bool, short_term: bool, fans: int = 1) -> None:
        self.n += fans
        self.k += fans * int(long_term)
        self.short += fans * int(short_term)


_SOME_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # stands for "set" in a representative row


def _representative(group: LeverageGroup) -> ReleaseFacts | None:
    """A facts row holding what the group's fans' rows on N hold (None: no row on N); the
    cohorts stay the Python predicates of ``ACTIONS``, applied to it."""
    if not group.on_release:
        return None
    return ReleaseFacts(
        presaved_at=_SOME_TIME if group.presaved else None, kept=group.kept,
        tracks_saved=int(group.tracks), one_click_saves=int(group.one_click),
        follows_by_fan=int(group.follows), email_clicks=int(group.email_clicks),
        first_act_at=_SOME_TIME if group.acted else None,
        release_week_act=group.release_week_act, utm_source=group.utm_source,
        referrer_host=group.referrer_host,
    )  # fmt: skip


@dataclass
class _Tallies:
    counts: dict[tuple[str, str], _Tally]
    pairs: list[tuple[Release, Release]]
    open_pairs: list[tuple[Release, Release]]
    computed_at: dt.datetime | None


def _tallies(
    artists: Iterable[Artist], group: Callable[[ReleaseFacts | None], str] | None = None
) -> _Tallies:
    """Counts per (group, action) and per (group, "") for the baseline, from the stored
    groups of each pair of consecutive releases (``leverage_results``)."""
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    pairs: list[tuple[Release, Release]] = []
    open_pairs: list[tuple[Release, Release]] = []
    releases = leverage_results.releases_by_artist([a.pk for a in artists])
    stored, computed_at = leverage_results.stored(releases)
    now = timezone.now()
    for ordered in releases.values():
        for index, release in enumerate(ordered[:-1]):
            following = ordered[index + 1]
            pairs.append((release, following))
            if now < leverage_results.deadline(following):
                open_pairs.append((release, following))
            for stored_group in stored.get((release.pk, following.pk), []):
                row = _representative(stored_group)
                long_term, fans = stored_group.came_back, stored_group.fans
                short_term = row is not None and row.release_week_act
                key = group(row) if group else ""
                tallies[(key, "")].add(long_term, short_term, fans)
                for action, _, member, _ in ACTIONS:
                    if member(row):
                        tallies[(key, action)].add(long_term, short_term, fans)
    return _Tallies(tallies, pairs, open_pairs, computed_at)


def _table(title: str, counted: _Tallies, group: str) -> Table:
    tallies = counted.counts
    base = tallies.get((group, ""), _Tally())
    baseline = Share(base.k, base.n)
    rows = []
    for action, label, _, phrase in ACTIONS:
        t = tallies.get((group, action), _Tally())
        rows.append(Row(action, label, Share(t.k, t.n), Share(t.short, t.n), baseline, phrase))
    return Table(
        title, rows, baseline, Share(base.short, base.n), counted.pairs, counted.open_pairs,
        counted.computed_at,
    )  # fmt: skip


def artist_table(artist: Artist) -> Table:
    return _table(artist.name, _tallies([artist]), "")


def workspace_table(workspace: Workspace) -> Table:
    """Every artist of the workspace with at least two releases, pooled."""
    artists = list(Artist.objects.filter(workspace=workspace))
    return _table("All artists", _tallies(artists), "")


@dataclass(frozen=True)
class SourceRow:
    source: str
    share: Share
    baseline: Share

    @property
    def lift(self) -> float | None:
        return self.share.lift_over(self.baseline)


def by_source(artists: Iterable[Artist]) -> list[SourceRow]:
    """Which channels bring fans who come back: fans who acted on N, by their source on N."""

    def source(row: ReleaseFacts | None) -> str:
        if row is None or row.first_act_at is None:
            return ""
        return source_of(row.utm_source, row.referrer_host)

    tallies = _tallies(artists, source).counts
    overall = _Tally()
    for (_, action), tally in tallies.items():
        if action == "":
            overall.k += tally.k
            overall.n += tally.n
    baseline = Share(overall.k, overall.n)
    rows = [
        SourceRow(group, Share(t.k, t.n), baseline)
        for (group, action), t in tallies.items()
        if action == "" and group
    ]
    return sorted(rows, key=lambda r: (-r.share.n, r.source))


CSV_HEADER = [
    "action on N",
    "fans",
    "acted on N+1 within 30 days",
    "share",
    "95% low",
    "95% high",
    "baseline share",
    "lift",
    "release-week share on N",
    "role",
]


def csv_rows(table: Table) -> list[list[str]]:
    return [
        [
            row.label,
            *_share_cells(row.long_term),
            _fmt(row.baseline.p),
            _fmt_lift(row.lift),
            _fmt(row.short_term.p),
            row.role,
        ]
        for row in table.rows
    ]


def _share_cells(share: Share) -> list[str]:
    """A share's CSV cells: fans, fans who acted, share, and its 95% interval."""
    interval = share.interval()
    low, high = interval if interval else (None, None)
    return [str(share.n), str(share.k), _fmt(share.p), _fmt(low), _fmt(high)]


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _fmt_lift(lift: float | None) -> str:
    return "" if lift is None else f"{lift:.2f}"


SOURCE_CSV_HEADER = ["source", "fans", "acted on N+1 within 30 days", "share", "95% low",
                     "95% high", "lift"]  # fmt: skip


def source_csv_rows(rows: list[SourceRow]) -> list[list[str]]:
    return [[row.source, *_share_cells(row.share), _fmt_lift(row.lift)] for row in rows]


def as_dict(table: Table, artist: Artist | None) -> dict[str, object]:
    """The leverage table as JSON: the dashboard's ``leverage.json`` and the API."""
    return {
        "artist": artist.pk if artist else None,
        "interval": WILSON_FORMULA,
        "computed_at": table.computed_at.isoformat() if table.computed_at else None,
        "baseline": {"k": table.baseline.k, "n": table.baseline.n},
        "rows": [
            {
                "action": row.key,
                "n": row.long_term.n,
                "k": row.long_term.k,
                "share": row.long_term.p,
                "interval": row.long_term.interval(),
                "lift": row.lift,
                "short_term_share": row.short_term.p,
                "role": row.role,
            }
            for row in table.rows
        ],
    }
