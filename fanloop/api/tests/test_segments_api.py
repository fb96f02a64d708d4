"""``/api/v1/segments``: created, read, changed, counted and listed through the segment
services; refused rules come back as problems naming the field; scopes are enforced."""

from __future__ import annotations

import pytest

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor
from fanloop.fans.models import Fan
from fanloop.flows.models import Segment

from .conftest import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def fans(workspace, release):
    uk = Fan.objects.create(workspace=workspace, email="uk@example.org", country="GB")
    Fan.objects.create(workspace=workspace, email="fr@example.org", country="FR")
    ie = Fan.objects.create(workspace=workspace, email="ie@example.org", country="IE")
    record_fan_event(uk, "saved", key="s-uk", actor=Actor.FAN, release=release)
    record_fan_event(ie, "saved", key="s-ie", actor=Actor.FANLOOP, release=release)
    return uk, ie


def test_a_segment_through_the_api(call, secret, fans, release):
    rules = {
        "countries": ["gb", "IE"],
        "actions": [{"kind": "saved", "release": release.pk, "since": "2020-01-01"}],
    }
    created = call("POST", "/segments", secret, json={"name": "Savers", "rules": rules})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["rules"]["countries"] == ["GB", "IE"]
    assert body["rules"]["actions"][0]["did"] is True
    pk = body["id"]
    assert call("GET", f"/segments/{pk}", secret).json()["name"] == "Savers"
    # fanloop's save for the Irish fan is not the fan's act
    assert call("GET", f"/segments/{pk}/count", secret).json() == {"count": 1}
    members = call("GET", f"/segments/{pk}/members", secret).json()
    assert [f["email"] for f in members["items"]] == ["uk@example.org"]

    patched = call("PATCH", f"/segments/{pk}", secret, json={"rules": {"countries": ["FR"]}})
    assert patched.status_code == 200, patched.content
    assert patched.json()["name"] == "Savers"
    assert call("GET", f"/segments/{pk}/count", secret).json() == {"count": 1}
    listed = call("GET", "/segments", secret).json()
    assert [s["id"] for s in listed["items"]] == [pk]


def test_refused_rules_are_problems(call, secret, workspace):
    response = call(
        "POST", "/segments", secret, json={"name": "Bad", "rules": {"platforms": ["myspace"]}}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "platforms" in response.json()["errors"]
    actions = {"actions": [{"kind": "email_sent"}]}
    response = call("POST", "/segments", secret, json={"name": "Bad", "rules": actions})
    assert response.status_code == 422
    assert not Segment.objects.exists()


def test_scopes(call, workspace):
    reader = make_token(workspace, scopes=["segments:read"])
    assert call("GET", "/segments", reader).status_code == 200
    assert call("POST", "/segments", reader, json={"name": "No"}).status_code == 403
    segment = Segment.objects.create(workspace=workspace, name="S")
    # members are fans' data: the fans scope is needed too
    assert call("GET", f"/segments/{segment.pk}/members", reader).status_code == 403
    both = make_token(workspace, scopes=["segments:read", "fans:read"])
    assert call("GET", f"/segments/{segment.pk}/members", both).status_code == 200
