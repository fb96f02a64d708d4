"""Segments (list, get, create, update, count, members paged): the services and queries
the segment pages use, scope ``segments``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.params.functions import Query

from fanloop.accounts.models import Workspace
from fanloop.api.auth import require
from fanloop.api.idempotency import OPENAPI as IDEMPOTENCY
from fanloop.api.idempotency import idempotent
from fanloop.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from fanloop.api.respond import json_response
from fanloop.api.routes_fans import fan_rows
from fanloop.api.schemas import (
    ERRORS,
    CountOut,
    FanOut,
    Page,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
)
from fanloop.api.tokens import READ, WRITE
from fanloop.flows import segments
from fanloop.flows.models import Segment

router = Router(tags=["segments"])
FAMILY = "segments"


def _segment(workspace: Workspace, pk: int) -> Segment:
    return get_object_or_404(Segment, pk=pk, workspace=workspace)


@router.get("/segments", response={200: Page[SegmentOut], **ERRORS})
def list_segments(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    items, next_url = page(
        request, Segment.objects.filter(workspace=token.workspace), cursor, limit
    )
    return {"items": items, "next": next_url}


@router.post("/segments", response={201: SegmentOut, **ERRORS}, openapi_extra=IDEMPOTENCY)
@idempotent
def create_segment(request: HttpRequest, body: SegmentIn) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    segment = segments.create_segment(
        token.workspace,
        name=body.name,
        rules=body.rules.model_dump(mode="json") if body.rules else {},
        track_entries=body.track_entries,
    )
    return json_response(SegmentOut, segment, 201)


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def get_segment(request: HttpRequest, segment_id: int) -> Segment:
    token = require(request, FAMILY, READ)
    return _segment(token.workspace, segment_id)


@router.patch("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def update_segment(request: HttpRequest, segment_id: int, body: SegmentPatch) -> Segment:
    token = require(request, FAMILY, WRITE)
    segment = _segment(token.workspace, segment_id)
    given = body.model_dump(mode="json", exclude_unset=True)
    return segments.update_segment(
        segment,
        name=given.get("name"),
        rules=given.get("rules"),
        track_entries=given.get("track_entries"),
    )


@router.get("/segments/{segment_id}/count", response={200: CountOut, **ERRORS})
def count_segment(request: HttpRequest, segment_id: int) -> dict[str, int]:
    token = require(request, FAMILY, READ)
    return {"count": segments.members(_segment(token.workspace, segment_id)).count()}


@router.get("/segments/{segment_id}/members", response={200: Page[FanOut], **ERRORS})
def segment_members(
    request: HttpRequest,
    segment_id: int,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """The fans in the segment now, in id order (fans data needs the ``fans`` scope too)."""
    token = require(request, FAMILY, READ)
    require(request, "fans", READ)
    segment = _segment(token.workspace, segment_id)
    items, next_url = page(request, segments.members(segment), cursor, limit)
    return {"items": fan_rows(items), "next": next_url}
