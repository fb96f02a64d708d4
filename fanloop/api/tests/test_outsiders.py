"""A token acts for its own workspace only: with another workspace's token, every route
either answers 404 for this workspace's objects or shows and changes nothing of them.
The table below lists every route; a route added without a line here fails the guard."""

from __future__ import annotations

from typing import Any

import pytest

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent
from fanloop.api.api import api
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan
from fanloop.fans.presaves import record_presave
from fanloop.flows import broadcasts, segments
from fanloop.flows.models import Broadcast, Flow, FlowStatus, Segment
from fanloop.flows.services import activate
from fanloop.messaging.models import EmailTemplate
from fanloop.webhooks.models import Subscription, WebhookDelivery
from fanloop.webhooks.services import create_subscription

pytestmark = pytest.mark.django_db

NOT_FOUND = "404"  # the object of this workspace is not found with the outsider's token
EMPTY = "list"  # a list of the outsider's own workspace: none of this workspace's items
OWN = "own"  # creates in the outsider's own workspace only

# (method, path): (how the outsider is refused, JSON body or None)
ROUTES: dict[tuple[str, str], tuple[str, Any]] = {
    ("GET", "/artists"): (EMPTY, None),
    ("POST", "/artists"): (OWN, {"name": "Squatter"}),
    ("GET", "/artists/{artist_id}"): (NOT_FOUND, None),
    ("PATCH", "/artists/{artist_id}"): (NOT_FOUND, {"name": "Stolen"}),
    ("GET", "/releases"): (EMPTY, None),
    ("POST", "/releases"): (
        NOT_FOUND,
        {"artist_id": "{artist_id}", "title": "Fake", "release_date": "2030-01-01"},
    ),
    ("GET", "/releases/{release_id}"): (NOT_FOUND, None),
    ("PATCH", "/releases/{release_id}"): (NOT_FOUND, {"title": "Stolen"}),
    ("POST", "/releases/{release_id}/publish"): (NOT_FOUND, None),
    ("GET", "/releases/{release_id}/presaves"): (NOT_FOUND, None),
    ("GET", "/releases/{release_id}/delivery"): (NOT_FOUND, None),
    ("GET", "/releases/{release_id}/funnel"): (NOT_FOUND, None),
    ("GET", "/artists/{artist_id}/leverage"): (NOT_FOUND, None),
    ("GET", "/fans"): (EMPTY, None),
    ("GET", "/fans/{fan_id}"): (NOT_FOUND, None),
    ("GET", "/fan-events"): (EMPTY, None),
    ("GET", "/flows"): (EMPTY, None),
    ("GET", "/flows/{flow_id}"): (NOT_FOUND, None),
    ("POST", "/flows/{flow_id}/pause"): (NOT_FOUND, None),
    ("POST", "/flows/{flow_id}/resume"): (NOT_FOUND, None),
    ("GET", "/webhooks"): (EMPTY, None),
    ("POST", "/webhooks"): (
        OWN,
        {"url": "https://squatter.example.com/", "event_types": ["fan.presaved"]},
    ),
    ("GET", "/webhooks/{webhook_id}"): (NOT_FOUND, None),
    ("PATCH", "/webhooks/{webhook_id}"): (NOT_FOUND, {"url": "https://stolen.example.com/"}),
    ("DELETE", "/webhooks/{webhook_id}"): (NOT_FOUND, None),
    ("POST", "/webhooks/{webhook_id}/rotate"): (NOT_FOUND, None),
    ("GET", "/webhooks/{webhook_id}/deliveries"): (NOT_FOUND, None),
    ("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): (NOT_FOUND, None),
    ("GET", "/segments"): (EMPTY, None),
    ("POST", "/segments"): (OWN, {"name": "Squatter", "rules": {"countries": ["GB"]}}),
    ("GET", "/segments/{segment_id}"): (NOT_FOUND, None),
    ("PATCH", "/segments/{segment_id}"): (NOT_FOUND, {"name": "Stolen"}),
    ("GET", "/segments/{segment_id}/count"): (NOT_FOUND, None),
    ("GET", "/segments/{segment_id}/members"): (NOT_FOUND, None),
    ("GET", "/broadcasts"): (EMPTY, None),
    (
        "POST",
        "/broadcasts",
    ): (
        NOT_FOUND,
        {"name": "Stolen", "segment_id": "{segment_id}", "template_id": "{template_id}"},
    ),
    ("GET", "/broadcasts/{broadcast_id}"): (NOT_FOUND, None),
    ("POST", "/broadcasts/{broadcast_id}/schedule"): (NOT_FOUND, {}),
    ("POST", "/broadcasts/{broadcast_id}/cancel"): (NOT_FOUND, None),
}


def _routes() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="")
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_the_table_lists_every_route():
    assert _routes() == set(ROUTES)


@pytest.fixture
def victim(workspace: Workspace, artist: Artist, release: Release) -> dict[str, int]:
    fan = Fan.objects.create(workspace=workspace, email="fan@example.org")
    record_presave(fan, release, "email")
    flow = Flow.objects.filter(workspace=workspace).first()
    assert flow is not None  # every workspace starts with its default flow
    if flow.status != FlowStatus.ACTIVE:
        activate(flow)
    webhook = create_subscription(
        workspace, url="https://hooks.example.com/", event_types=["fan.presaved"]
    ).subscription
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event_type="fan.presaved", event_key="k", msg_id="msg_victim"
    )
    segment = segments.create_segment(workspace, name="Mine", rules={"platforms": ["email"]})
    template = EmailTemplate.objects.filter(workspace=workspace).first()
    assert template is not None  # every workspace starts with its default templates
    broadcast = broadcasts.create_broadcast(
        workspace, name="Mine", segment=segment, template=template
    )
    return {
        "artist_id": artist.pk,
        "release_id": release.pk,
        "fan_id": fan.pk,
        "flow_id": flow.pk,
        "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
        "segment_id": segment.pk,
        "template_id": template.pk,
        "broadcast_id": broadcast.pk,
    }


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        for name, pk in ids.items():
            if value == "{" + name + "}":
                return pk
            value = value.replace("{" + name + "}", str(pk))
        return value
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


def _ids_in(workspace: Workspace, path: str) -> set[int]:
    """Ids of this workspace's objects of the kind a list route lists."""
    kinds: dict[str, Any] = {
        "/artists": Artist.objects.filter(workspace=workspace),
        "/releases": Release.objects.filter(artist__workspace=workspace),
        "/fans": Fan.objects.filter(workspace=workspace),
        "/fan-events": FanEvent.objects.filter(workspace=workspace),
        "/flows": Flow.objects.filter(workspace=workspace),
        "/webhooks": Subscription.objects.filter(workspace=workspace),
        "/segments": Segment.objects.filter(workspace=workspace),
        "/broadcasts": Broadcast.objects.filter(workspace=workspace),
    }
    ids = set(kinds[path].values_list("pk", flat=True))
    assert ids, f"nothing of this workspace for {path} to leak"
    return ids


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_an_outsider_token_is_refused(call, outsider_secret, victim, workspace, method, path):
    how, body = ROUTES[(method, path)]
    before = (
        list(Artist.objects.filter(workspace=workspace).values()),
        list(Release.objects.filter(artist__workspace=workspace).values()),
        list(Flow.objects.filter(workspace=workspace).values("status")),
        list(Subscription.objects.filter(workspace=workspace).values()),
        list(WebhookDelivery.objects.filter(subscription__workspace=workspace).values()),
        list(Segment.objects.filter(workspace=workspace).values()),
        list(Broadcast.objects.filter(workspace=workspace).values()),
    )
    response = call(method, _fill(path, victim), outsider_secret, json=_fill(body, victim))
    if how == NOT_FOUND:
        assert response.status_code == 404, response.content
        assert response["Content-Type"] == "application/problem+json"
    elif how == EMPTY:
        assert response.status_code == 200, response.content
        theirs = {item["id"] for item in response.json()["items"]}
        assert not theirs & _ids_in(workspace, path)
    else:
        assert response.status_code == 201, response.content
        assert not Artist.objects.filter(workspace=workspace, name="Squatter").exists()
        assert Subscription.objects.filter(workspace=workspace).count() == 1
        assert not Segment.objects.filter(workspace=workspace, name="Squatter").exists()
    after = (
        list(Artist.objects.filter(workspace=workspace).values()),
        list(Release.objects.filter(artist__workspace=workspace).values()),
        list(Flow.objects.filter(workspace=workspace).values("status")),
        list(Subscription.objects.filter(workspace=workspace).values()),
        list(WebhookDelivery.objects.filter(subscription__workspace=workspace).values()),
        list(Segment.objects.filter(workspace=workspace).values()),
        list(Broadcast.objects.filter(workspace=workspace).values()),
    )
    assert after == before
    assert FanEvent.objects.filter(workspace=workspace).count() == 1
