"""Fan merges and exports carry the flows' fan rows (tags, journeys)."""

from __future__ import annotations

import pytest

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans import identity, rights
from fanloop.fans.models import Fan
from fanloop.flows.models import FanTag, Flow, Journey

from .engine_helpers import event, make_flow, run

pytestmark = pytest.mark.django_db


def test_merge_moves_tags_and_journeys_and_export_lists_them(
    workspace: Workspace, release: Release
) -> None:
    Flow.objects.filter(is_default=True).delete()
    flow = make_flow(workspace, [{"id": "t", "type": "tag", "tag": "superfan"}], name="Tagger")
    into = Fan.objects.create(workspace=workspace, email="a@example.org")
    other = Fan.objects.create(workspace=workspace, display_name="Same Person")
    event(other, FanEventKind.PRESAVED, release=release)
    run()
    FanTag.objects.create(fan=into, tag="early")

    identity.merge_fans(into=into, other=other)

    assert sorted(FanTag.objects.filter(fan=into).values_list("tag", flat=True)) == [
        "early",
        "superfan",
    ]
    journey = Journey.objects.get(flow=flow)
    assert (journey.fan, journey.key) == (into, f"{flow.pk}:{into.pk}:{release.pk}")
    export = rights.export_fan(into)
    assert export["tags"] == ["early", "superfan"]
    assert export["flows"] == [
        {
            "flow": "Tagger",
            "release": "Midnight Signal",
            "state": "completed",
            "started": journey.started.isoformat(),
            "finished": journey.finished.isoformat() if journey.finished else None,
        }
    ]
