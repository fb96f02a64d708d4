"""The measurement numbers (scope ``insights``, read only): a release's funnel and an
artist's leverage table, from the same query functions as the dashboard's pages and their
JSON (``fanloop/insights``). Each call first folds the fan events the worker has not folded
yet (a few batches) and says how many are still waiting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.params.functions import Query

from fanloop.api.auth import require
from fanloop.api.problems import Problem
from fanloop.api.schemas import ERRORS, FunnelOut, LeverageOut
from fanloop.api.tokens import READ
from fanloop.catalog.models import Artist, Release
from fanloop.insights import funnel as funnels
from fanloop.insights import leverage as leverages
from fanloop.insights import rollup

router = Router(tags=["insights"])
FAMILY = "insights"


@router.get("/releases/{release_id}/funnel", response={200: FunnelOut, **ERRORS})
def release_funnel(
    request: HttpRequest,
    release_id: int,
    start: dt.date | None = Query(None, description="First day (default: the campaign's)."),
    end: dt.date | None = Query(None, description="Last day (default: the campaign's)."),
    by: str = Query("", description="Break down by: source, country, device or platform."),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    release = get_object_or_404(
        Release.objects.select_related("artist"), pk=release_id, artist__workspace=token.workspace
    )
    first, last = funnels.default_range(release)
    start, end = start or first, end or last
    errors = []
    if by not in funnels.BREAKDOWNS:
        choices = ", ".join(key for key in funnels.BREAKDOWNS if key)
        errors.append({"loc": ["query", "by"], "msg": f"one of {choices}, or empty"})
    if end < start:
        errors.append({"loc": ["query", "end"], "msg": "before the start"})
    elif (end - start).days > funnels.MAX_RANGE_DAYS:
        errors.append({"loc": ["query", "end"], "msg": f"over {funnels.MAX_RANGE_DAYS} days"})
    if errors:
        raise Problem(422, "The range or the breakdown was refused.", errors=errors)
    waiting = rollup.catch_up_to_read()
    return {
        **funnels.as_dict(funnels.release_funnel(release, start, end, by)),
        "events_waiting": waiting,
    }


@router.get("/artists/{artist_id}/leverage", response={200: LeverageOut, **ERRORS})
def artist_leverage(request: HttpRequest, artist_id: int) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    artist = get_object_or_404(Artist, pk=artist_id, workspace=token.workspace)
    waiting = rollup.catch_up_to_read()
    return {**leverages.as_dict(leverages.artist_table(artist), artist), "events_waiting": waiting}
