"""Event webhooks (scope ``webhooks``): subscriptions (list, create, read, change, delete,
rotate the secret), their delivery log and replays, through the services the webhook pages
use (``fanloop/webhooks/services.py``). A new secret is in the answer of create and rotate
only, like on the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.params.functions import Query

from fanloop.accounts.models import Workspace
from fanloop.api.auth import require
from fanloop.api.idempotency import OPENAPI as IDEMPOTENCY
from fanloop.api.idempotency import SENSITIVE, idempotent
from fanloop.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from fanloop.api.schemas import ERRORS, Page
from fanloop.api.tokens import READ, WRITE
from fanloop.webhooks import services
from fanloop.webhooks.models import Subscription, WebhookDelivery

router = Router(tags=["webhooks"])
FAMILY = "webhooks"


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    rotating_until: dt.datetime | None = Field(
        None, description="Until then the previous secret signs too."
    )
    created: dt.datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="whsec_…: shown in this answer only.")


class WebhookIn(Schema):
    url: str = Field(max_length=services.URL_MAX_LENGTH)
    event_types: list[str] = Field(max_length=100)
    description: str = Field("", max_length=services.DESCRIPTION_MAX_LENGTH)


class WebhookPatch(Schema):
    url: str | None = Field(None, max_length=services.URL_MAX_LENGTH)
    event_types: list[str] | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=services.DESCRIPTION_MAX_LENGTH)
    enabled: bool | None = None


class WebhookDeliveryOut(Schema):
    id: int
    webhook_id: str = Field(description="The webhook-id header: the same on every attempt.")
    event_type: str
    status: str
    attempts: int
    response_code: int | None
    latency_ms: int | None
    body_excerpt: str
    last_error: str
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    created: dt.datetime


def _subscription(workspace: Workspace, pk: int) -> Subscription:
    return get_object_or_404(Subscription, pk=pk, workspace=workspace)


def _out(subscription: Subscription) -> dict[str, Any]:
    rotating = len(services.signing_secrets(subscription, dt.datetime.now(dt.UTC))) > 1
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "description": subscription.description,
        "event_types": subscription.event_types,
        "enabled": subscription.enabled,
        "disabled_reason": subscription.disabled_reason,
        "rotating_until": subscription.previous_valid_until if rotating else None,
        "created": subscription.created,
    }


def _delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "webhook_id": delivery.msg_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_code": delivery.response_code,
        "latency_ms": delivery.latency_ms,
        "body_excerpt": delivery.body_excerpt,
        "last_error": delivery.last_error,
        "last_attempt_at": delivery.last_attempt_at,
        "next_attempt_at": delivery.next_attempt_at,
        "created": delivery.created,
    }


def _with_secret(created: services.NewSecret, status: int) -> HttpResponse:
    body = WebhookSecretOut(**_out(created.subscription), secret=created.secret)
    response = HttpResponse(body.model_dump_json(), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    setattr(response, SENSITIVE, True)  # the idempotency store keeps it encrypted
    return response


@router.get("/webhooks", response={200: Page[WebhookOut], **ERRORS})
def list_webhooks(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    items, next_url = page(
        request, Subscription.objects.filter(workspace=token.workspace), cursor, limit
    )
    return {"items": [_out(s) for s in items], "next": next_url}


@router.post("/webhooks", response={201: WebhookSecretOut, **ERRORS}, openapi_extra=IDEMPOTENCY)
@idempotent
def create_webhook(request: HttpRequest, body: WebhookIn) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    created = services.create_subscription(
        token.workspace,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
    )
    return _with_secret(created, 201)


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request: HttpRequest, webhook_id: int) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    return _out(_subscription(token.workspace, webhook_id))


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request: HttpRequest, webhook_id: int, body: WebhookPatch) -> dict[str, Any]:
    token = require(request, FAMILY, WRITE)
    subscription = _subscription(token.workspace, webhook_id)
    if body.url is not None or body.event_types is not None or body.description is not None:
        services.update_subscription(
            subscription,
            url=subscription.url if body.url is None else body.url,
            event_types=(
                subscription.event_types if body.event_types is None else body.event_types
            ),
            description=(
                subscription.description if body.description is None else body.description
            ),
        )
    if body.enabled is not None and body.enabled != subscription.enabled:
        services.set_enabled(subscription, body.enabled)
    return _out(_subscription(token.workspace, webhook_id))


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, webhook_id: int) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    services.delete_subscription(_subscription(token.workspace, webhook_id))
    return HttpResponse(status=204)


@router.post(
    "/webhooks/{webhook_id}/rotate",
    response={200: WebhookSecretOut, **ERRORS},
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def rotate_webhook_secret(request: HttpRequest, webhook_id: int) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    rotated = services.rotate_secret(_subscription(token.workspace, webhook_id))
    return _with_secret(rotated, 200)


@router.get("/webhooks/{webhook_id}/deliveries", response={200: Page[WebhookDeliveryOut], **ERRORS})
def list_webhook_deliveries(
    request: HttpRequest,
    webhook_id: int,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    subscription = _subscription(token.workspace, webhook_id)
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    items, next_url = page(request, deliveries, cursor, limit)
    return {"items": [_delivery_out(d) for d in items], "next": next_url}


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    response={200: WebhookDeliveryOut, **ERRORS},
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def replay_webhook_delivery(
    request: HttpRequest, webhook_id: int, delivery_id: int
) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    subscription = _subscription(token.workspace, webhook_id)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, subscription=subscription)
    replayed = services.replay(delivery)
    body = WebhookDeliveryOut(**_delivery_out(replayed)).model_dump_json()
    return HttpResponse(body, content_type="application/json")
