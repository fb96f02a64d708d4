"""Flows (list, per-step counts, pause, resume) and the release-day delivery progress of a
release: the flows services and stats the flow pages use (scope ``flows``), and the
delivery panel's numbers (scope ``delivery``)."""

from __future__ import annotations

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
from fanloop.api.schemas import ERRORS, DeliveryOut, FlowDetailOut, FlowOut, Page
from fanloop.api.tokens import READ, WRITE
from fanloop.catalog.models import Release
from fanloop.flows import services, stats
from fanloop.flows.models import Flow
from fanloop.fulfillment.progress import Counts, release_progress

router = Router(tags=["flows", "delivery"])
FAMILY = "flows"


def _flow(workspace: Workspace, pk: int) -> Flow:
    return get_object_or_404(
        Flow.objects.filter(workspace=workspace).select_related("current_version"), pk=pk
    )


def _flow_rows(flows: list[Flow]) -> list[dict[str, Any]]:
    running = stats.open_journeys(flow.pk for flow in flows)
    rows = []
    for flow in flows:
        version = flow.current_version
        rows.append(
            {
                "id": flow.pk,
                "name": flow.name,
                "status": flow.status,
                "dry_run": flow.dry_run,
                "artist_id": flow.artist_id,
                "version": version.number if version else None,
                "trigger": version.trigger if version else None,
                "open_journeys": running.get(flow.pk, 0),
            }
        )
    return rows


def _flow_detail(flow: Flow) -> dict[str, Any]:
    [row] = _flow_rows([flow])
    version = flow.current_version
    counts = stats.step_counts(version) if version else {}
    row["steps"] = [
        {
            "id": str(step.get("id", "")),
            "type": str(step.get("type", "")),
            "counts": counts.get(str(step.get("id", "")), {}),
        }
        for step in (version.steps if version else [])
    ]
    return row


@router.get("/flows", response={200: Page[FlowOut], **ERRORS})
def list_flows(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    flows = Flow.objects.filter(workspace=token.workspace).select_related("current_version")
    items, next_url = page(request, flows, cursor, limit)
    return {"items": _flow_rows(items), "next": next_url}


@router.get("/flows/{flow_id}", response={200: FlowDetailOut, **ERRORS})
def get_flow(request: HttpRequest, flow_id: int) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    return _flow_detail(_flow(token.workspace, flow_id))


def _change_status(request: HttpRequest, flow_id: int, action: str) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    flow = _flow(token.workspace, flow_id)
    try:
        getattr(services, action)(flow)
    except (ValidationError, ValueError) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        raise Problem(409, f"Could not {action} the flow: {text}", kind="conflict") from None
    body = FlowDetailOut(**_flow_detail(_flow(token.workspace, flow_id))).model_dump_json()
    return HttpResponse(body, content_type="application/json")


@router.post(
    "/flows/{flow_id}/pause", response={200: FlowDetailOut, **ERRORS}, openapi_extra=IDEMPOTENCY
)
@idempotent
def pause_flow(request: HttpRequest, flow_id: int) -> HttpResponse:
    return _change_status(request, flow_id, "pause")


@router.post(
    "/flows/{flow_id}/resume", response={200: FlowDetailOut, **ERRORS}, openapi_extra=IDEMPOTENCY
)
@idempotent
def resume_flow(request: HttpRequest, flow_id: int) -> HttpResponse:
    return _change_status(request, flow_id, "resume")


def _counts(counts: Counts) -> dict[str, int]:
    return {
        "delivered": counts.delivered,
        "pending": counts.pending,
        "failed": counts.failed,
        "needs_reconnect": counts.needs_reconnect,
    }


@router.get("/releases/{release_id}/delivery", response={200: DeliveryOut, **ERRORS})
def get_delivery(request: HttpRequest, release_id: int) -> dict[str, Any]:
    token = require(request, "delivery", READ)
    release = get_object_or_404(Release, pk=release_id, artist__workspace=token.workspace)
    progress = release_progress(release)
    return {
        "release_id": release.pk,
        "presavers": progress.presavers,
        "started": progress.started,
        "done": progress.done,
        "percent": progress.counts.percent,
        "eta_seconds": progress.eta_seconds,
        "counts": _counts(progress.counts),
        "platforms": [
            {
                "platform": row.platform,
                "status": row.status,
                "presavers": row.presavers,
                "counts": _counts(row.counts),
            }
            for row in progress.platforms
        ],
    }
