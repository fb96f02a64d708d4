"""Broadcasts (list, get with progress and stats, create, schedule or send now, cancel):
the services the broadcast pages use, scope ``broadcasts``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.params.functions import Query

from fanloop.accounts.models import Workspace
from fanloop.api.auth import require
from fanloop.api.idempotency import OPENAPI as IDEMPOTENCY
from fanloop.api.idempotency import idempotent
from fanloop.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from fanloop.api.problems import Problem
from fanloop.api.schemas import ERRORS, BroadcastIn, BroadcastOut, Page, ScheduleIn
from fanloop.api.tokens import READ, WRITE
from fanloop.flows import broadcasts
from fanloop.flows.models import Broadcast, Segment
from fanloop.messaging.models import EmailTemplate

router = Router(tags=["broadcasts"])
FAMILY = "broadcasts"
# How far ahead a broadcast may be scheduled (as on the broadcast page).
MAX_AHEAD = dt.timedelta(days=366)


def _broadcast(workspace: Workspace, pk: int) -> Broadcast:
    return get_object_or_404(Broadcast, pk=pk, workspace=workspace)


def _row(broadcast: Broadcast) -> dict[str, Any]:
    stats = None
    if broadcast.started_at is not None:
        found = broadcasts.stats(broadcast)
        stats = {
            "audience": found.audience,
            "sent": found.sent,
            "waiting": found.waiting,
            "skipped": found.skipped,
            "opened": found.opened,
            "clicked": found.clicked,
            "unsubscribed": found.unsubscribed,
            "percent": found.percent,
        }
    return {
        "id": broadcast.pk,
        "name": broadcast.name,
        "segment_id": broadcast.segment_id,
        "template_id": broadcast.template_id,
        "status": broadcast.status,
        "send_at": broadcast.send_at,
        "started_at": broadcast.started_at,
        "finished_at": broadcast.finished_at,
        "stats": stats,
        "created": broadcast.created,
    }


def _answer(broadcast: Broadcast, status: int = 200) -> HttpResponse:
    body = BroadcastOut(**_row(broadcast)).model_dump_json()
    return HttpResponse(body, status=status, content_type="application/json")


@router.get("/broadcasts", response={200: Page[BroadcastOut], **ERRORS})
def list_broadcasts(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    rows = Broadcast.objects.filter(workspace=token.workspace)
    items, next_url = page(request, rows, cursor, limit)
    return {"items": [_row(b) for b in items], "next": next_url}


@router.post("/broadcasts", response={201: BroadcastOut, **ERRORS}, openapi_extra=IDEMPOTENCY)
@idempotent
def create_broadcast(request: HttpRequest, body: BroadcastIn) -> HttpResponse:
    """A draft; schedule it (or send it now) with ``/broadcasts/{id}/schedule``."""
    token = require(request, FAMILY, WRITE)
    segment = get_object_or_404(Segment, pk=body.segment_id, workspace=token.workspace)
    template = get_object_or_404(EmailTemplate, pk=body.template_id, workspace=token.workspace)
    broadcast = broadcasts.create_broadcast(
        token.workspace, name=body.name, segment=segment, template=template
    )
    return _answer(broadcast, 201)


@router.get("/broadcasts/{broadcast_id}", response={200: BroadcastOut, **ERRORS})
def get_broadcast(request: HttpRequest, broadcast_id: int) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    return _row(_broadcast(token.workspace, broadcast_id))


def _conflict(error: ValidationError) -> Problem:
    return Problem(409, "; ".join(error.messages), kind="conflict")


@router.post(
    "/broadcasts/{broadcast_id}/schedule",
    response={200: BroadcastOut, **ERRORS},
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def schedule_broadcast(request: HttpRequest, broadcast_id: int, body: ScheduleIn) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    broadcast = _broadcast(token.workspace, broadcast_id)
    send_at = body.send_at
    if send_at is not None and send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=dt.UTC)
    if send_at is not None and send_at > dt.datetime.now(dt.UTC) + MAX_AHEAD:
        raise Problem(422, "Schedule at most a year ahead.", kind="validation")
    try:
        broadcast = broadcasts.schedule_broadcast(broadcast, send_at)
    except ValidationError as error:
        raise _conflict(error) from None
    return _answer(broadcast)


@router.post(
    "/broadcasts/{broadcast_id}/cancel",
    response={200: BroadcastOut, **ERRORS},
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def cancel_broadcast(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    broadcast = _broadcast(token.workspace, broadcast_id)
    try:
        broadcast = broadcasts.cancel_broadcast(broadcast)
    except ValidationError as error:
        raise _conflict(error) from None
    return _answer(broadcast)
