"""The workspace home's numbers per release, from the fan event log, in one query.

Pre-saves, saves and follows count the fans' own acts (``Actor.FAN``); fanloop's release-day
save is "delivered" and never a save. Each measure counts distinct fans: a fan who saved
twice, or on two platforms, counts once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db.models import Case, CharField, Count, Q, Value, When

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import Actor, Event, EventKind, FanEvent, FanEventKind
from fanloop.catalog.home import ReleaseNumbers
from fanloop.catalog.models import Release

# measure -> which events count for it
MEASURES: dict[str, Q] = {
    "presaves": Q(kind=FanEventKind.PRESAVED, actor=Actor.FAN),
    "delivered": Q(kind=FanEventKind.DELIVERY_SUCCEEDED),
    "saves": Q(kind__in=(FanEventKind.SAVED, FanEventKind.TRACK_SAVED), actor=Actor.FAN),
    "follows": Q(kind=FanEventKind.FOLLOWED, actor=Actor.FAN),
}


def release_numbers(
    workspace: Workspace, releases: Sequence[Release], since: dt.datetime
) -> Mapping[int, ReleaseNumbers]:
    """Numbers of each release in ``releases`` (missing ids: nothing happened yet)."""
    wanted = Q()
    for condition in MEASURES.values():
        wanted |= condition
    rows = (
        FanEvent.objects.filter(workspace=workspace, release__in=[r.pk for r in releases])
        .filter(wanted)
        .annotate(
            measure=Case(
                *(When(condition, then=Value(name)) for name, condition in MEASURES.items()),
                output_field=CharField(),
            )
        )
        .values("release_id", "measure")
        .annotate(
            total=Count("fan", distinct=True),
            week=Count("fan", distinct=True, filter=Q(created__gte=since)),
        )
        .order_by()
    )
    values: dict[int, dict[str, int]] = {}
    for row in rows:
        numbers = values.setdefault(row["release_id"], {})
        numbers[row["measure"]] = row["total"]
        numbers[f"{row['measure']}_week"] = row["week"]
    return {pk: ReleaseNumbers(**numbers) for pk, numbers in values.items()}


def is_shared(workspace: Workspace) -> bool:
    """Whether a fan has opened one of the workspace's published pages (members' own
    visits are not counted as page views)."""
    published = Release.objects.filter(artist__workspace=workspace, published=True)
    return Event.objects.filter(release__in=published, kind=EventKind.PAGE_VIEW).exists()
