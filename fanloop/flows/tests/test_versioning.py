"""Versions: an edit adds a version; running journeys finish on the version they began on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.flows import services
from fanloop.flows.models import FanTag, Flow, FlowStatus, JourneyState, JourneyStep

from .engine_helpers import event, journey_of, later, make_flow, run

pytestmark = pytest.mark.django_db
DAY = 86400


@pytest.fixture(autouse=True)
def _no_default_flow(workspace: Workspace) -> None:
    Flow.objects.filter(is_default=True).delete()


def test_a_journey_stays_on_its_version(workspace: Workspace, release: Release) -> None:
    flow = make_flow(
        workspace,
        [{"id": "w", "type": "wait", "duration_s": DAY}, {"id": "t", "type": "tag", "tag": "v1"}],
    )
    early = Fan.objects.create(workspace=workspace, email="early@example.org")
    event(early, FanEventKind.PRESAVED, release=release)
    run()
    v1 = flow.current_version

    v2 = services.new_version(
        flow,
        trigger="presaved",
        steps=[{"id": "t", "type": "tag", "tag": "v2"}],
        goal="followed",
    )
    flow.refresh_from_db()
    assert (v2.number, flow.current_version) == (2, v2)
    assert flow.status == FlowStatus.ACTIVE

    late = Fan.objects.create(workspace=workspace, email="late@example.org")
    event(late, FanEventKind.PRESAVED, release=release)
    run(later(days=2))
    assert journey_of(early, flow).version == v1
    assert journey_of(late, flow).version == v2
    assert list(FanTag.objects.filter(fan=early).values_list("tag", flat=True)) == ["v1"]
    assert list(FanTag.objects.filter(fan=late).values_list("tag", flat=True)) == ["v2"]
    assert JourneyStep.objects.filter(version=v1, step_id="t", outcome="passed").count() == 1
    assert JourneyStep.objects.filter(version=v2, step_id="t", outcome="passed").count() == 1
    assert {j.state for j in flow.journeys.all()} == {JourneyState.COMPLETED}


def test_create_and_new_version_validate(workspace: Workspace, release: Release) -> None:
    with pytest.raises(ValidationError) as info:
        services.create_flow(workspace, name="X", trigger="email_sent", steps=[])
    assert "trigger" in info.value.message_dict
    flow = services.create_flow(workspace, name="X", trigger="presaved", steps=[])
    assert flow.status == FlowStatus.DRAFT and flow.current_version is not None
    with pytest.raises(ValidationError, match="at least one step"):
        services.activate(flow)
    with pytest.raises(ValidationError, match="Step 1"):
        services.new_version(flow, trigger="presaved", steps=[{"type": "wait"}], goal="")
    assert flow.versions.count() == 1


def test_status_transitions(workspace: Workspace) -> None:
    flow = make_flow(workspace, [{"id": "t", "type": "tag", "tag": "x"}], active=False)
    with pytest.raises(ValidationError):
        services.pause(flow)
    services.activate(flow)
    services.pause(flow)
    with pytest.raises(ValidationError):
        services.pause(flow)
    services.resume(flow)
    services.stop(flow)
    flow.refresh_from_db()
    assert flow.status == FlowStatus.STOPPED
    with pytest.raises(ValidationError):
        services.resume(flow)
