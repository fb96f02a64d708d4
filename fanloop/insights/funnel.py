"""The funnel of one release: visits → platform clicks → pre-saves → delivered → kept at 7
and 30 days → tracks saved → email clicks → follows, in a date range, overall and broken
down by source, country, device or platform.

Visits and clicks come from the page event log (``analytics.Event``: cookie-less, a visitor
id rotates daily, so a "visit" is one visitor on one day), for the days it has counted
from ``daily_visitors``; every later stage from the facts
table (``ReleaseFacts``), the fans who pre-saved in the range. A verified stage (kept at 7
or 30 days) counts only the fans the library checks have looked at: "n of m verifiable".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q

from fanloop.analytics.models import Event, EventKind
from fanloop.catalog.models import Release
from fanloop.insights import daily_visitors
from fanloop.insights.models import Kept, ReleaseFacts

BREAKDOWNS = {
    "": "No breakdown",
    "source": "Source",
    "country": "Country",
    "device": "Device",
    "platform": "Platform",
}
DIRECT = "(direct)"
UNKNOWN = "(unknown)"
# The longest range a page accepts: beyond it a release's funnel is not one campaign.
MAX_RANGE_DAYS = 731
# Default range: from this long before the release to this long after it.
DEFAULT_BEFORE = dt.timedelta(days=90)
DEFAULT_AFTER = dt.timedelta(days=60)


def default_range(release: Release) -> tuple[dt.date, dt.date]:
    """From when the release was created (at most a year before it comes out, at least
    ``DEFAULT_BEFORE``) to ``DEFAULT_AFTER`` after it: the release's whole campaign."""
    day = release.release_date
    start = min(day - DEFAULT_BEFORE, max(release.created.date(), day - dt.timedelta(days=365)))
    return start, day + DEFAULT_AFTER


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    count: int
    # Verified stages: how many fans could be checked at all ("n of m verifiable").
    verifiable: int | None = None
    note: str = ""


@dataclass
class Funnel:
    release: Release
    start: dt.date
    end: dt.date
    stages: list[Stage]
    presaves_by_platform: dict[str, int]
    breakdown: str = ""
    # (value, {stage key: count}) per breakdown value, biggest first.
    rows: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    def conversions(self) -> list[tuple[Stage, float | None, float | None]]:
        """(stage, share of the stage before, share of visits) for each stage."""
        out: list[tuple[Stage, float | None, float | None]] = []
        visits = self.stages[0].count
        previous: int | None = None
        for stage in self.stages:
            base = stage.verifiable if stage.verifiable is not None else previous
            step = stage.count / base if base else None
            overall = stage.count / visits if visits and previous is not None else None
            out.append((stage, step, overall))
            previous = stage.count
        return out


def source_of(utm_source: str, referrer_host: str) -> str:
    """One word for where a fan came from: the UTM source, else the referring site."""
    return utm_source or referrer_host or DIRECT


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC),
    )


STAGE_LABELS = (
    ("visits", "Visits (visitors per day)"),
    ("clicks", "Platform clicks (visitors per day)"),
    ("presaves", "Pre-saves (fans)"),
    ("delivered", "Delivered on release day"),
    ("kept_7d", "Kept 7 days"),
    ("kept_30d", "Kept 30 days"),
    ("tracks", "Saved a track"),
    ("email_clicks", "Clicked an email"),
    ("follows", "Followed the artist"),
)


def _fact_columns() -> dict[str, Count]:
    kept_7d = Q(kept__in=[Kept.KEPT_7D, Kept.KEPT_30D])
    return {
        "presaves": Count("id"),
        "delivered": Count("id", filter=Q(delivered=True)),
        "kept_7d": Count("id", filter=kept_7d),
        "kept_7d_m": Count("id", filter=~Q(kept=Kept.UNKNOWN)),
        "kept_30d": Count("id", filter=Q(kept=Kept.KEPT_30D)),
        "kept_30d_m": Count("id", filter=Q(kept__in=[Kept.KEPT_30D, Kept.REMOVED])),
        "tracks": Count("id", filter=Q(tracks_saved__gt=0)),
        "email_clicks": Count("id", filter=Q(email_clicks__gt=0)),
        "follows": Count("id", filter=Q(follows_by_fan__gt=0) | Q(follows_at_delivery__gt=0)),
        "follows_by_fan": Count("id", filter=Q(follows_by_fan__gt=0)),
    }


# The page events the funnel counts: naming them lets the (release, kind, created) index
# bound the scan to the range.
_COUNTED_KINDS = (EventKind.PAGE_VIEW, EventKind.CLICK)
_FACT_KEYS = {
    "source": ("utm_source", "referrer_host"),
    "country": ("country",),
    "device": ("device",),
    "platform": ("platform",),
}
_EVENT_KEYS = {
    "source": ("utm_source", "referrer_host"),
    "country": ("country",),
    "device": ("device_class",),
    "platform": ("platform",),
}


def _value(breakdown: str, values: Iterable[str]) -> str:
    parts = list(values)
    if breakdown == "source":
        return source_of(parts[0], parts[1])
    return parts[0] or UNKNOWN


def release_funnel(release: Release, start: dt.date, end: dt.date, breakdown: str = "") -> Funnel:
    """The funnel of ``release`` from ``start`` to ``end`` (UTC days, both included)."""
    low, high = _bounds(start, end)
    counted = daily_visitors.counted(
        release.pk, start, end, breakdown if breakdown in _FACT_KEYS else None
    )
    # The days ``daily_visitors`` has counted come from there, the others from the log.
    live_from = max(low, counted.live_from)
    events = Event.objects.filter(
        release=release, kind__in=_COUNTED_KINDS, created__gte=live_from, created__lt=high
    )
    facts = ReleaseFacts.objects.filter(release=release, presaved_at__gte=low, presaved_at__lt=high)
    visits = Q(kind=EventKind.PAGE_VIEW)
    clicks = Q(kind=EventKind.CLICK)
    page = events.aggregate(
        visits=Count("visitor_id", filter=visits, distinct=True),
        clicks=Count("visitor_id", filter=clicks, distinct=True),
    )
    page["visits"] += counted.totals.get(EventKind.PAGE_VIEW, 0)
    page["clicks"] += counted.totals.get(EventKind.CLICK, 0)
    totals = facts.aggregate(**_fact_columns())
    by_platform = dict(facts.values_list("platform").annotate(n=Count("id")).order_by("platform"))
    stages = _stages(page, totals)
    funnel = Funnel(release, start, end, stages, by_platform, breakdown)
    if breakdown in _FACT_KEYS:
        funnel.rows = _breakdown_rows(events, facts, breakdown, counted.rows)
    return funnel


def _stages(page: dict[str, int], totals: dict[str, int]) -> list[Stage]:
    values = {**page, **totals}
    out: list[Stage] = []
    for key, label in STAGE_LABELS:
        if key in ("kept_7d", "kept_30d"):
            out.append(Stage(key, label, values[key], verifiable=values[f"{key}_m"]))
        elif key == "follows":
            by_fan = values["follows_by_fan"]
            note = f"{by_fan} by the fan, the rest at delivery from the fan's consent"
            out.append(Stage(key, label, values[key], note=note))
        else:
            out.append(Stage(key, label, values[key]))
    return out


def _breakdown_rows(
    events: object,
    facts: object,
    breakdown: str,
    counted: list[tuple[str, tuple[str, ...], int]],
) -> list[tuple[str, dict[str, int]]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_row_keys(), 0))
    for kind, values, n in counted:
        counts[_value(breakdown, values)][
            "visits" if kind == EventKind.PAGE_VIEW else "clicks"
        ] += n
    event_keys = _EVENT_KEYS[breakdown]
    for kind, stage in ((EventKind.PAGE_VIEW, "visits"), (EventKind.CLICK, "clicks")):
        rows = (
            events.filter(kind=kind)  # type: ignore[attr-defined]
            .values_list(*event_keys)
            .annotate(n=Count("visitor_id", distinct=True))
            .order_by()
        )
        if breakdown == "platform" and kind == EventKind.PAGE_VIEW:
            continue  # a page view is of no platform: visits are not split by it
        for *values, n in rows:
            counts[_value(breakdown, values)][stage] += n
    columns = _fact_columns()
    width = len(_FACT_KEYS[breakdown])
    for values in (
        facts.values_list(*_FACT_KEYS[breakdown])  # type: ignore[attr-defined]
        .annotate(**columns)
        .order_by()
    ):
        row = counts[_value(breakdown, values[:width])]
        for name, n in zip(columns, values[width:], strict=True):
            row[name] = row.get(name, 0) + n
    return sorted(
        counts.items(), key=lambda item: (-item[1]["visits"], -item[1]["presaves"], item[0])
    )


def _row_keys() -> list[str]:
    return ["visits", "clicks", *_fact_columns()]


CSV_HEADER = ["stage", "count", "verifiable", "share of previous stage", "share of visits"]


def csv_rows(funnel: Funnel) -> list[list[str]]:
    return [
        [
            stage.label,
            str(stage.count),
            "" if stage.verifiable is None else str(stage.verifiable),
            _percent(step),
            _percent(overall),
        ]
        for stage, step, overall in funnel.conversions()
    ]


def breakdown_header(funnel: Funnel) -> list[str]:
    return [BREAKDOWNS[funnel.breakdown].lower(), *(label for _, label in STAGE_LABELS)]


def breakdown_csv_rows(funnel: Funnel) -> list[list[str]]:
    keys = [key for key, _ in STAGE_LABELS]
    return [[value, *(str(row.get(key, 0)) for key in keys)] for value, row in funnel.rows]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


def as_dict(funnel: Funnel) -> dict[str, object]:
    """The funnel as JSON: the dashboard's ``funnel.json`` and the API answer with it."""
    return {
        "release": funnel.release.pk,
        "start": funnel.start.isoformat(),
        "end": funnel.end.isoformat(),
        "stages": [
            {
                "stage": stage.key,
                "count": stage.count,
                "verifiable": stage.verifiable,
                "share_of_previous": step,
                "share_of_visits": overall,
            }
            for stage, step, overall in funnel.conversions()
        ],
        "presaves_by_platform": funnel.presaves_by_platform,
        "breakdown": funnel.breakdown,
        "rows": [{"value": value, **counts} for value, counts in funnel.rows],
    }
