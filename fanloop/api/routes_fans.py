"""Fans (search, filters, consents, score), the fan event log and the pre-savers of a
release: the reads the fans dashboard makes, scope ``fans``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Router
from ninja.params.functions import Query
from pydantic import WithJsonSchema

from fanloop.analytics.models import FanEvent
from fanloop.api.auth import require
from fanloop.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from fanloop.api.problems import Problem
from fanloop.api.schemas import (
    ERRORS,
    FanDetailOut,
    FanEventOut,
    FanOut,
    Page,
    PresaveOut,
)
from fanloop.api.tokens import READ
from fanloop.catalog.models import Release
from fanloop.fans import queries
from fanloop.fans.models import Fan, PreSave
from fanloop.flows import scoring

router = Router(tags=["fans"])
FAMILY = "fans"


def fan_rows(fans: list[Fan]) -> list[dict[str, Any]]:
    summaries = queries.summaries(fans)
    rows = []
    for fan in fans:
        summary = summaries[fan.pk]
        rows.append(
            {
                "id": fan.pk,
                "email": fan.email,
                "display_name": fan.display_name,
                "country": fan.country,
                "created": fan.created,
                "presave_count": getattr(fan, "presave_count", 0),
                "consents": summary.consents,
                "email_consent_pending": summary.pending_email,
                "connections": [
                    {
                        "platform": c.platform,
                        "status": c.status,
                        "display_name": c.display_name,
                        "country": c.country,
                    }
                    for c in summary.connections
                ],
            }
        )
    return rows


@router.get("/fans", response={200: Page[FanOut], **ERRORS})
def list_fans(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Search email and names."),
    consent: str = Query("", max_length=30, description="A consent kind the fan gave."),
    platform: str = Query("", max_length=20, description="A platform, or email."),
    status: str = Query("", max_length=30, description="needs_reconnect"),
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    filters = queries.FanFilters(
        query=q.replace("\x00", ""), consent=consent, platform=platform, status=status
    )
    fans, next_url = page(request, queries.fan_list(token.workspace, filters), cursor, limit)
    return {"items": fan_rows(fans), "next": next_url}


@router.get("/fans/{fan_id}", response={200: FanDetailOut, **ERRORS})
def get_fan(request: HttpRequest, fan_id: int) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    fan = get_object_or_404(
        Fan.objects.filter(workspace=token.workspace).annotate(
            presave_count=Count("presaves", distinct=True)
        ),
        pk=fan_id,
    )
    [row] = fan_rows([fan])
    row["score"] = scoring.engagement_score(fan)
    row["release_scores"] = {str(k): v for k, v in scoring.release_scores(fan).items()}
    row["tags"] = sorted(fan.tags.values_list("tag", flat=True))
    return row


# Declared a date-time in the OpenAPI description, parsed here: pydantic's own datetime would
# also take a number as a Unix time ("0.5"), which the description does not allow.
DATE_TIME = WithJsonSchema({"type": "string", "format": "date-time"})


def _instant(text: str) -> dt.datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise Problem(
            422,
            "since is an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z.",
            errors=[{"loc": ["query", "since"], "msg": "not a date-time"}],
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


@router.get("/fan-events", response={200: Page[FanEventOut], **ERRORS})
def list_fan_events(
    request: HttpRequest,
    since: Annotated[str | None, DATE_TIME] = Query(
        None,
        description="Events recorded at or after this ISO 8601 instant (UTC if no offset).",
        example="2026-01-31T12:00:00Z",
    ),
    kind: str = Query("", max_length=30),
    fan_id: int | None = None,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    events = FanEvent.objects.filter(workspace=token.workspace)
    if since is not None:
        events = events.filter(created__gte=_instant(since))
    if kind:
        events = events.filter(kind=kind)
    if fan_id is not None:
        events = events.filter(fan_id=fan_id)
    items, next_url = page(request, events, cursor, limit)
    return {"items": items, "next": next_url}


@router.get("/releases/{release_id}/presaves", response={200: Page[PresaveOut], **ERRORS})
def list_presaves(
    request: HttpRequest,
    release_id: int,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    release = get_object_or_404(Release, pk=release_id, artist__workspace=token.workspace)
    presaves = PreSave.objects.filter(release=release).select_related("fan")
    items, next_url = page(request, presaves, cursor, limit)
    return {"items": items, "next": next_url}
