"""A webhook made through the API with a token receives the workspace's events: the
secret in the API's answer verifies the calls (``standardwebhooks``), and the delivery
log and replay are read and asked through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.api import tokens
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans.models import Fan
from fanloop.fans.presaves import record_presave
from fanloop.webhooks import intake, services

from .conftest import Receiver

pytestmark = pytest.mark.django_db


def test_a_webhook_made_through_the_api_receives_verified_events(
    client: Client, workspace: Workspace, receiver: Receiver, local_calls: None
) -> None:
    secret = tokens.create_token(
        workspace,
        name="crm",
        scopes=[tokens.scope("webhooks", tokens.WRITE)],
        expires_at=None,
        created_by=None,
    ).secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def api(method: str, path: str, body: Any = None) -> Any:
        extra: dict[str, Any] = {"content_type": "application/json"} if body else {}
        return getattr(client, method)(f"/api/v1{path}", body, **extra, **auth)

    created = api("post", "/webhooks", {"url": receiver.url, "event_types": ["fan.presaved"]})
    assert created.status_code == 201, created.content
    hook = created.json()

    artist = create_artist(workspace, name="The Lanterns")
    release = create_release(
        artist, {"title": "First Light", "release_date": timezone.localdate()}, []
    )
    fan = Fan.objects.create(workspace=workspace, email="fan@example.org")
    record_presave(fan, release, "email")
    intake.consume(timezone.now() + dt.timedelta(seconds=intake.EVENT_SETTLE_SECONDS + 1))
    services.send_due()

    [call] = receiver.calls
    payload = receiver.verify(hook["secret"], call)
    assert payload["data"]["fan"]["email"] == "fan@example.org"
    [entry] = api("get", f"/webhooks/{hook['id']}/deliveries").json()["items"]
    assert entry["webhook_id"] == call.headers["webhook-id"]
    assert entry["status"] == "succeeded" and entry["response_code"] == 200

    replayed = api("post", f"/webhooks/{hook['id']}/deliveries/{entry['id']}/replay")
    assert replayed.status_code == 200
    services.send_due()
    assert receiver.calls[-1].headers["webhook-id"] == entry["webhook_id"]
    receiver.verify(hook["secret"], receiver.calls[-1])
