"""The funnel's visits and clicks from the counted days equal a count over the page event
log itself, overall and for every breakdown, before and after days are counted."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import EventKind
from fanloop.analytics.services import EventRow, save_hits
from fanloop.catalog.models import Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.insights import daily_visitors, funnel
from fanloop.insights.models import DailyVisitors, DailyVisitorsMark

SOURCES = (("insta", ""), ("", "tiktok.com"), ("", ""), ("news", "example.org"))


def _hits(release: Release, days: list[dt.datetime], rng: random.Random, count: int) -> None:
    rows = []
    for n in range(count):
        at = rng.choice(days) + dt.timedelta(minutes=rng.randrange(600))
        visitor = f"{at.date():%m%d}{rng.randrange(40):012d}"  # a visitor is of one day
        utm, host = rng.choice(SOURCES)
        kind = rng.choice((EventKind.PAGE_VIEW, EventKind.PAGE_VIEW, EventKind.CLICK))
        platform = rng.choice(("spotify", "deezer")) if kind == EventKind.CLICK else ""
        rows.append(EventRow(
            kind, release.artist.workspace_id, release.artist_id, release.pk, platform,
            visitor, utm, "", "", "", "", host, rng.choice(("mobile", "desktop")),
            rng.choice(("DE", "FR", "")), at,
        ))  # fmt: skip
    save_hits(rows, {})


def _all_breakdowns(release: Release, start: dt.date, end: dt.date) -> list[dict[str, object]]:
    return [
        funnel.as_dict(funnel.release_funnel(release, start, end, breakdown))
        for breakdown in funnel.BREAKDOWNS
    ]


def _from_the_log(release: Release, start: dt.date, end: dt.date) -> list[dict[str, object]]:
    DailyVisitors.objects.all().delete()
    DailyVisitorsMark.objects.all().delete()
    return _all_breakdowns(release, start, end)


def test_counted_days_give_the_funnel_the_log_gives(workspace: Workspace):
    rng = random.Random(3)
    artist = create_artist(workspace, name="Counted")
    now = timezone.now()
    release = create_release(artist, {"title": "Days", "release_date": now.date()}, [])
    midnight = daily_visitors.midnight(now.date())
    days = [midnight - dt.timedelta(days=d) for d in (9, 5, 4, 1, 0)]
    _hits(release, days, rng, 1500)
    start, end = now.date() - dt.timedelta(days=7), now.date() + dt.timedelta(days=1)

    from_the_log = _all_breakdowns(release, start, end)
    assert from_the_log[0]["stages"][0]["count"] > 0  # type: ignore[index]
    assert daily_visitors.catch_up(now + daily_visitors.CLOSE_AFTER) == 1
    assert DailyVisitorsMark.objects.get(release=release).through == now.date() - dt.timedelta(
        days=1
    )
    assert DailyVisitors.objects.filter(day=days[3].date()).exists()
    assert _all_breakdowns(release, start, end) == from_the_log
    assert daily_visitors.catch_up(now + daily_visitors.CLOSE_AFTER) == 0

    # Days later: more hits today, today counted too; ranges cut through counted days.
    _hits(release, [midnight], rng, 300)
    daily_visitors.catch_up(now + dt.timedelta(days=3))
    assert DailyVisitorsMark.objects.get(release=release).through > now.date()
    for first, last in ((start, end), (now.date() - dt.timedelta(days=4), now.date())):
        counted = _all_breakdowns(release, first, last)
        assert counted == _from_the_log(release, first, last)
        daily_visitors.catch_up(now + dt.timedelta(days=3))
