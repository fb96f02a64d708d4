"""Visitors per release and closed day: the funnel's first two stages (visits, platform
clicks) without reading every page event of the range.

A visitor id is of one day (``analytics.DailySalt`` rotates daily), so the visitors of a
range of days are the sum of each day's. ``catch_up`` counts, for each release, the days
that closed (UTC) at least ``CLOSE_AFTER`` ago and are not counted yet: distinct visitors per
kind of event (page views, clicks), in all and per value of each breakdown of the funnel;
``DailyVisitorsMark`` holds the last day counted. The funnel reads the counted days from
here and the days after the mark (today, and yesterday until it is counted) from the page
event log, through its index on (release, kind, created).

Hits wait a second or so in the write-behind buffer (``analytics/buffer.py``); hits a
database outage longer than ``CLOSE_AFTER`` kept in the buffer past it would be stored
after their day was counted, and the funnel would not count them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from fanloop.analytics.models import Event, EventKind
from fanloop.catalog.models import Release
from fanloop.insights.models import DailyVisitors, DailyVisitorsMark

CLOSE_AFTER = dt.timedelta(hours=1)
KINDS = (EventKind.PAGE_VIEW, EventKind.CLICK)
# Each breakdown's event columns: the value, and for a source the referring host too.
COLUMNS = {
    "": (),
    "source": ("utm_source", "referrer_host"),
    "country": ("country",),
    "device": ("device_class",),
    "platform": ("platform",),
}


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def last_closed_day(now: dt.datetime) -> dt.date:
    """The last UTC day that ended at least ``CLOSE_AFTER`` before ``now``."""
    return (now - CLOSE_AFTER).astimezone(dt.UTC).date() - dt.timedelta(days=1)


def catch_up(now: dt.datetime | None = None) -> int:
    """Count every closed day not counted yet, release by release; returns the releases
    that had days to count."""
    last = last_closed_day(now or timezone.now())
    marks = dict(DailyVisitorsMark.objects.values_list("release_id", "through"))
    done = 0
    for release_id in Release.objects.order_by("pk").values_list("pk", flat=True):
        through = marks.get(release_id)
        if through is None or through < last:
            _count(release_id, through, last)
            done += 1
    return done


def _count(release_id: int, after: dt.date | None, last: dt.date) -> None:
    """Count the days of one release after ``after`` (from the start when None) to ``last``.

    Counted outside the write transaction: closed days no longer change, and on SQLite a
    write transaction would keep the page events' writer waiting while the log is read."""
    events = Event.objects.filter(
        release_id=release_id, created__lt=midnight(last + dt.timedelta(days=1))
    )
    stale = DailyVisitors.objects.filter(release_id=release_id, day__lte=last)
    if after is not None:
        events = events.filter(created__gte=midnight(after + dt.timedelta(days=1)))
        stale = stale.filter(day__gt=after)
    rows: list[DailyVisitors] = []
    for kind in KINDS:
        for breakdown, columns in COLUMNS.items():
            if breakdown == "platform" and kind == EventKind.PAGE_VIEW:
                continue  # a page view is of no platform: visits are not split by it
            for found in (
                events.filter(kind=kind)
                .annotate(day=TruncDate("created", tzinfo=dt.UTC))
                .values_list("day", *columns)
                .annotate(n=Count("visitor_id", distinct=True))
                .order_by()
            ):
                day, *values, n = found
                values += ["", ""]
                rows.append(
                    DailyVisitors(
                        release_id=release_id,
                        day=day,
                        kind=kind,
                        breakdown=breakdown,
                        value=values[0],
                        host=values[1],
                        visitors=n,
                    )
                )
    with transaction.atomic():
        stale.delete()
        DailyVisitors.objects.bulk_create(rows, batch_size=500)
        DailyVisitorsMark.objects.update_or_create(
            release_id=release_id, defaults={"through": last}
        )


@dataclass
class Counted:
    """The counted days of a range: page events from ``live_from`` on are not in here."""

    live_from: dt.datetime
    totals: dict[str, int] = field(default_factory=dict)  # kind → visitors
    rows: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)


def counted(release_id: int, start: dt.date, end: dt.date, breakdown: str | None) -> Counted:
    """The visitors of ``release_id``'s counted days from ``start`` to ``end`` (both
    included), in all and, with a ``breakdown``, per (kind, its values)."""
    mark = DailyVisitorsMark.objects.filter(release_id=release_id).first()
    if mark is None or mark.through < start:
        return Counted(midnight(start))
    through = min(end, mark.through)
    result = Counted(midnight(through + dt.timedelta(days=1)))
    days = DailyVisitors.objects.filter(release_id=release_id, day__gte=start, day__lte=through)
    wanted = [""] if not breakdown else ["", breakdown]
    width = len(COLUMNS[breakdown]) if breakdown else 0
    totals: dict[str, int] = defaultdict(int)
    for kind, kind_breakdown, value, host, n in (
        days.filter(breakdown__in=wanted)
        .values_list("kind", "breakdown", "value", "host")
        .annotate(n=Sum("visitors"))
        .order_by()
    ):
        if kind_breakdown == "":
            totals[kind] += n
        else:
            result.rows.append((kind, (value, host)[:width], n))
    result.totals = dict(totals)
    return result
