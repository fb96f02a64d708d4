"""The funnel and the leverage table through the API: the same numbers as the dashboard's
JSON (one query function each), scope ``insights``, range and breakdown checked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fanloop.catalog.services import create_release
from fanloop.fans import presaves
from fanloop.fans.models import Fan, PreSave
from fanloop.insights import rollup

from .conftest import make_token

pytestmark = pytest.mark.django_db


def _presave(workspace, release, email: str, source: str) -> Fan:
    fan = Fan.objects.create(workspace=workspace, email=email)
    attribution = presaves.Attribution(utm_source=source, country="DE")
    presaves.record_presave(fan, release, PreSave.EMAIL_ONLY, attribution=attribution)
    return fan


def test_the_funnel_is_the_dashboards_own(call, secret, owner_client, workspace, release):
    for n in range(3):
        _presave(workspace, release, f"f{n}@example.org", "tiktok")
    rollup.catch_up(settle_seconds=0)
    answer = call("GET", f"/releases/{release.pk}/funnel?by=source", secret)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    page = owner_client.get(
        f"/w/{workspace.slug}/releases/{release.pk}/funnel.json", {"by": "source"}
    ).json()
    assert body["events_waiting"] == 0
    del body["events_waiting"]
    assert body == page
    stages = {stage["stage"]: stage["count"] for stage in body["stages"]}
    assert stages["presaves"] == 3
    assert [row["value"] for row in body["rows"]] == ["tiktok"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("by=colour", "by"), ("start=2026-05-01&end=2026-04-01", "end"),
     ("start=2020-01-01&end=2026-01-01", "end")],
)  # fmt: skip
def test_a_bad_range_or_breakdown_is_a_422(call, secret, release, query, field):
    answer = call("GET", f"/releases/{release.pk}/funnel?{query}", secret)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert [error["loc"][-1] for error in answer.json()["errors"]] == [field]


def test_the_leverage_table_of_an_artist(call, secret, owner_client, workspace, artist, release):
    later = create_release(
        artist, {"title": "Next", "release_date": timezone.localdate() + dt.timedelta(days=60)}, []
    )
    fans = [_presave(workspace, release, f"f{n}@example.org", "tiktok") for n in range(3)]
    presaves.record_presave(fans[0], later, PreSave.EMAIL_ONLY)
    rollup.catch_up(settle_seconds=0)
    body = call("GET", f"/artists/{artist.pk}/leverage", secret).json()
    page = owner_client.get(
        f"/w/{workspace.slug}/insights/leverage.json", {"artist": artist.pk}
    ).json()
    assert body.pop("events_waiting") == 0
    assert body == page
    assert body["baseline"] == {"k": 1, "n": 3}


def test_it_needs_the_insights_scope(call, workspace, artist, release):
    secret = make_token(workspace, scopes=["catalog:read", "fans:read"])
    for path in (f"/releases/{release.pk}/funnel", f"/artists/{artist.pk}/leverage"):
        answer = call("GET", path, secret)
        assert answer.status_code == 403 and "insights:read" in answer.json()["detail"]
