"""The read and status routes beyond the catalog: fans (filters, consents, score), the fan
event log since an instant, flows (per-step counts, pause, resume, conflicts) and a
release's delivery progress; releases updated with their tracks and times."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.fans.presaves import record_presave
from fanloop.fans.tests.conftest import connect, make_app
from fanloop.flows.models import Flow, FlowStatus
from fanloop.flows.services import activate

pytestmark = pytest.mark.django_db


@pytest.fixture
def fans(workspace, release):
    app = make_app(workspace, "spotify")
    sam, connection = connect(app, "sp1", email="sam@example.org", name="Sam")
    record_presave(sam, release, "spotify", connection=connection)
    record_fan_event(sam, FanEventKind.FOLLOWED, key="f1", actor=Actor.FAN, artist=release.artist)
    eve, _ = connect(app, "sp2", email="eve@example.org", name="Eve")
    return sam, eve


def test_fans_are_searched_and_filtered(call, secret, fans):
    body = call("GET", "/fans?q=sam", secret).json()
    assert [f["email"] for f in body["items"]] == ["sam@example.org"]
    assert body["items"][0]["presave_count"] == 1
    assert body["items"][0]["connections"][0]["platform"] == "spotify"
    everyone = call("GET", "/fans?platform=spotify", secret).json()["items"]
    assert {f["email"] for f in everyone} == {"sam@example.org", "eve@example.org"}
    assert call("GET", "/fans?platform=deezer", secret).json()["items"] == []


def test_a_fan_has_a_score_per_release(call, secret, fans, release):
    sam, _ = fans
    body = call("GET", f"/fans/{sam.pk}", secret).json()
    # Pre-saved (2) and followed the artist (10): per release too, the follow counting.
    assert body["score"] == 12
    assert body["release_scores"] == {str(release.pk): 12}
    assert body["tags"] == []


def test_fan_events_since_an_instant(call, secret, fans):
    sam, _ = fans
    later = timezone.now() + dt.timedelta(hours=1)
    with time_machine.travel(later + dt.timedelta(minutes=1)):
        record_fan_event(sam, FanEventKind.EMAIL_SUBSCRIBED, key="s1", actor=Actor.FAN)
    every = call("GET", "/fan-events", secret).json()["items"]
    assert [e["kind"] for e in every] == ["presaved", "followed", "email_subscribed"]
    since = later.isoformat().replace("+00:00", "Z")
    recent = call("GET", f"/fan-events?since={since}", secret).json()["items"]
    assert [e["kind"] for e in recent] == ["email_subscribed"]
    assert call("GET", "/fan-events?kind=followed", secret).json()["items"][0]["fan_id"] == sam.pk
    bad = call("GET", "/fan-events?since=yesterday", secret)
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"


def test_flows_pause_and_resume_with_step_counts(call, secret, workspace):
    flow = Flow.objects.get(workspace=workspace)
    if flow.status != FlowStatus.ACTIVE:
        activate(flow)
    listed = call("GET", "/flows", secret).json()["items"]
    assert [f["id"] for f in listed] == [flow.pk]
    detail = call("GET", f"/flows/{flow.pk}", secret).json()
    assert detail["steps"] and all("counts" in step for step in detail["steps"])
    version = flow.current_version
    assert version is not None
    assert [s["id"] for s in detail["steps"]] == [s["id"] for s in version.steps]

    paused = call("POST", f"/flows/{flow.pk}/pause", secret)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    flow.refresh_from_db()
    assert flow.status == FlowStatus.PAUSED
    again = call("POST", f"/flows/{flow.pk}/pause", secret)
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    resumed = call("POST", f"/flows/{flow.pk}/resume", secret)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    conflict = call("POST", f"/flows/{flow.pk}/resume", secret)
    assert conflict.status_code == 409


def test_delivery_progress_of_a_release(call, secret, fans, release):
    body = call("GET", f"/releases/{release.pk}/delivery", secret).json()
    assert body["release_id"] == release.pk and body["presavers"] == 1
    assert body["started"] is False and body["counts"]["delivered"] == 0
    assert [p["platform"] for p in body["platforms"]] == ["spotify"]


def test_a_release_is_updated_with_its_tracks_and_time(call, secret, release):
    response = call(
        "PATCH",
        f"/releases/{release.pk}",
        secret,
        json={
            "release_mode": "global",
            "release_time": "18:30",
            "release_time_zone": "Europe/Paris",
            "tracks": [{"title": "One"}, {"title": "Two"}, {"title": "Three"}],
            "focus_track": 2,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["release_time"] == "18:30" and body["focus_track"] == 2
    assert [t["title"] for t in body["tracks"]] == ["One", "Two", "Three"]
    release.refresh_from_db()
    assert release.release_time == dt.time(18, 30) and release.focus_track == 2
    # Only the fields sent change; a bad time is refused by the schema.
    body = call("PATCH", f"/releases/{release.pk}", secret, json={"title": "Renamed"}).json()
    assert body["release_time"] == "18:30" and len(body["tracks"]) == 3
    bad = call("PATCH", f"/releases/{release.pk}", secret, json={"release_time": "25:00"})
    assert bad.status_code == 422
