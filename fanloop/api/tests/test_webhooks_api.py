"""``/api/v1/webhooks``: a token with the ``webhooks`` scope manages its workspace's
subscriptions through the same services as the pages; the secret is in the answers of
create and rotate only, and the idempotency store keeps those answers encrypted."""

from __future__ import annotations

from typing import Any

import pytest

from fanloop.accounts.models import Workspace
from fanloop.api import tokens
from fanloop.api.models import IdempotentRequest
from fanloop.lib import crypto
from fanloop.webhooks.models import DeliveryStatus, Subscription, WebhookDelivery

from .conftest import make_token

pytestmark = pytest.mark.django_db

BODY = {"url": "https://hooks.example.com/in", "event_types": ["fan.presaved", "release.live"]}


def test_create_read_change_rotate_replay_delete(call: Any, secret: str) -> None:
    created = call("POST", "/webhooks", secret, json=BODY)
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    answer = created.json()
    subscription = Subscription.objects.get(pk=answer["id"])
    assert answer["secret"] == subscription.secret and answer["secret"].startswith("whsec_")
    assert answer["event_types"] == ["fan.presaved", "release.live"]

    read = call("GET", f"/webhooks/{subscription.pk}", secret).json()
    assert "secret" not in read and read["url"] == BODY["url"]
    listed = call("GET", "/webhooks", secret).json()
    assert [item["id"] for item in listed["items"]] == [subscription.pk]

    changed = call("PATCH", f"/webhooks/{subscription.pk}", secret, json={"enabled": False}).json()
    assert changed["enabled"] is False and changed["url"] == BODY["url"]

    rotated = call("POST", f"/webhooks/{subscription.pk}/rotate", secret).json()
    subscription.refresh_from_db()
    assert rotated["secret"] == subscription.secret != answer["secret"]
    assert rotated["rotating_until"] is not None

    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_type="fan.presaved",
        event_key="k",
        msg_id="msg_api",
        status=DeliveryStatus.FAILED,
    )
    refused = call("POST", f"/webhooks/{subscription.pk}/deliveries/{delivery.pk}/replay", secret)
    assert refused.status_code == 422  # disabled: enable first
    call("PATCH", f"/webhooks/{subscription.pk}", secret, json={"enabled": True})
    replayed = call("POST", f"/webhooks/{subscription.pk}/deliveries/{delivery.pk}/replay", secret)
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    log = call("GET", f"/webhooks/{subscription.pk}/deliveries", secret).json()
    assert [item["webhook_id"] for item in log["items"]] == ["msg_api"]

    assert call("DELETE", f"/webhooks/{subscription.pk}", secret).status_code == 204
    assert not Subscription.objects.exists()


def test_refused_values_are_explained(call: Any, secret: str) -> None:
    response = call(
        "POST", "/webhooks", secret, json={"url": "ftp://x.example/", "event_types": ["nope"]}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "only http and https" in errors["url"][0]
    assert "Unknown event types: nope" in errors["event_types"][0]


def test_a_token_without_the_webhooks_scope_is_refused(call: Any, workspace: Workspace) -> None:
    reader = make_token(workspace, [tokens.scope("webhooks", tokens.READ)])
    assert call("GET", "/webhooks", reader).status_code == 200
    assert call("POST", "/webhooks", reader, json=BODY).status_code == 403
    other = make_token(workspace, [tokens.scope("catalog", tokens.WRITE)])
    assert call("GET", "/webhooks", other).status_code == 403
    assert not Subscription.objects.exists()


def test_an_idempotent_create_is_stored_encrypted_and_replayed(call: Any, secret: str) -> None:
    first = call("POST", "/webhooks", secret, json=BODY, **{"Idempotency-Key": "hook-1"})
    again = call("POST", "/webhooks", secret, json=BODY, **{"Idempotency-Key": "hook-1"})
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Subscription.objects.count() == 1
    stored = IdempotentRequest.objects.get()
    assert stored.body.startswith(crypto.PREFIX)
    assert first.json()["secret"] not in stored.body
