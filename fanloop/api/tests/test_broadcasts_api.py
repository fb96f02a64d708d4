"""``/api/v1/broadcasts``: a draft created, sent now through the send pipeline and the
real SMTP sink, read back with its stats; scheduled then cancelled; conflicts and scopes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.flows import broadcasts, segments
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.tests.conftest import Sink

from .conftest import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids(workspace: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    for n in range(3):
        fan = Fan.objects.create(workspace=workspace, email=f"f{n}@example.org", country="GB")
        if n:
            record_consent(fan, "email", True, page="/t", confirmed=True)
    segment = segments.create_segment(workspace, name="UK", rules={"countries": ["GB"]})
    template = EmailTemplate.objects.create(
        workspace=workspace, name="News", subject="News", text_body="Hello"
    )
    return {"segment_id": segment.pk, "template_id": template.pk}


def test_a_broadcast_through_the_api(
    call: Any, secret: str, ids: dict[str, int], smtp_sink: Sink
) -> None:
    created = call("POST", "/broadcasts", secret, json={"name": "Launch", **ids})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["stats"] is None

    sent = call("POST", f"/broadcasts/{pk}/schedule", secret, json={})
    assert sent.status_code == 200 and sent.json()["status"] == "scheduled"
    broadcasts.run(pk)
    body = call("GET", f"/broadcasts/{pk}", secret).json()
    assert body["status"] == "sent"
    assert body["stats"]["sent"] == 2 and body["stats"]["skipped"] == {"no_consent": 1}
    assert len(smtp_sink.messages()) == 2
    refused = call("POST", f"/broadcasts/{pk}/cancel", secret)
    assert refused.status_code == 409
    assert [b["id"] for b in call("GET", "/broadcasts", secret).json()["items"]] == [pk]


def test_scheduled_then_cancelled(call: Any, secret: str, ids: dict[str, int]) -> None:
    pk = call("POST", "/broadcasts", secret, json={"name": "Later", **ids}).json()["id"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    scheduled = call("POST", f"/broadcasts/{pk}/schedule", secret, json={"send_at": later})
    assert scheduled.json()["status"] == "scheduled"
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(days=400)).isoformat()
    assert (
        call("POST", f"/broadcasts/{pk}/schedule", secret, json={"send_at": far}).status_code == 422
    )
    cancelled = call("POST", f"/broadcasts/{pk}/cancel", secret)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert call("POST", f"/broadcasts/{pk}/schedule", secret, json={}).status_code == 409


def test_scopes(call: Any, workspace: Any, ids: dict[str, int]) -> None:
    reader = make_token(workspace, scopes=["broadcasts:read"])
    assert call("GET", "/broadcasts", reader).status_code == 200
    assert call("POST", "/broadcasts", reader, json={"name": "No", **ids}).status_code == 403
