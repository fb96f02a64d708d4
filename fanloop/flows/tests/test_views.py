"""Flow list and flow page: status, trigger, version, running journeys, readable steps with
per-step counts, warnings, and the activate / pause / resume / stop / dry-run buttons."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.fans.models import Fan
from fanloop.flows import services
from fanloop.flows.models import Flow, FlowStatus, Journey, JourneyState, JourneyStep

pytestmark = pytest.mark.django_db


def url(workspace: Workspace, name: str, **kw: Any) -> str:
    return reverse(f"flows:{name}", kwargs={"ws": workspace.slug, **kw})


@pytest.fixture
def flow(workspace: Workspace, templates: Any) -> Flow:
    return services.create_flow(
        workspace,
        name="Release day",
        trigger="presaved",
        goal="followed",
        steps=[
            {"id": "out", "type": "email", "template": templates["listen"].pk},
            {"id": "wait", "type": "wait", "duration_s": 172800},
            {"id": "ask", "type": "email", "template": templates["follow"].pk},
        ],
    )


def journey(flow: Flow, fan: Fan, state: str, step_index: int) -> Journey:
    assert flow.current_version is not None
    return Journey.objects.create(
        version=flow.current_version,
        flow=flow,
        fan=fan,
        key=f"test:{fan.pk}",
        state=state,
        step_index=step_index,
    )


def test_the_list_shows_status_trigger_version_and_running_journeys(
    viewer_client: Client, workspace: Workspace, flow: Flow, fan: Fan
) -> None:
    journey(flow, fan, JourneyState.WAITING, 1)
    response = viewer_client.get(url(workspace, "flow_list"))
    html = response.content.decode()
    assert response.status_code == 200
    row = html.split("Release day")[1].split("</tr>")[0]
    assert "Draft" in row and "When a fan: pre-saved" in row and "v1" in row
    assert "<td>1</td>" in row


def test_the_flow_page_shows_numbered_steps_with_their_counts(
    viewer_client: Client, workspace: Workspace, flow: Flow, fan: Fan
) -> None:
    version = flow.current_version
    assert version is not None
    waiting = journey(flow, fan, JourneyState.WAITING, 1)
    other = Fan.objects.create(workspace=workspace, email="b@example.org")
    left = journey(flow, other, JourneyState.EXITED, 0)
    for j, step_id, index, outcome in (
        (waiting, "out", 0, "entered"),
        (waiting, "out", 0, "passed"),
        (waiting, "wait", 1, "entered"),
        (left, "out", 0, "entered"),
        (left, "out", 0, "left"),
    ):
        JourneyStep.objects.create(
            journey=j, version=version, step_index=index, step_id=step_id, outcome=outcome
        )
    html = viewer_client.get(url(workspace, "flow_detail", pk=flow.pk)).content.decode()
    out = html.split('id="step-out"')[1].split("</tr>")[0]
    assert "Send email “It&#x27;s out”" in out
    assert [c.strip("</td>\n ") for c in out.split("<td>")[3:7]] == ["2", "0", "1", "1"]
    wait = html.split('id="step-wait"')[1].split("</tr>")[0]
    assert "Wait 2 days" in wait
    assert [c.strip("</td>\n ") for c in wait.split("<td>")[3:5]] == ["1", "1"]
    assert "waiting 1" in html.lower() and "left at a condition 1" in html.lower()


def test_the_flow_page_shows_the_warnings(
    viewer_client: Client, workspace: Workspace, flow: Flow
) -> None:
    html = viewer_client.get(url(workspace, "flow_detail", pk=flow.pk)).content.decode()
    assert 'data-warning="listen_no_save_prompt"' in html
    assert 'data-warning="follow_before_engagement"' in html
    assert 'data-warning="presave_no_follow_up"' not in html


def test_editors_activate_pause_resume_and_stop(
    editor_client: Client, workspace: Workspace, flow: Flow, fan: Fan
) -> None:
    status = url(workspace, "flow_status", pk=flow.pk)
    for action, expected in (
        ("activate", FlowStatus.ACTIVE),
        ("pause", FlowStatus.PAUSED),
        ("resume", FlowStatus.ACTIVE),
    ):
        response = editor_client.post(status, {"action": action}, follow=True)
        flow.refresh_from_db()
        assert flow.status == expected
        assert f"is now {expected.label.lower()}" in response.content.decode()
    running = journey(flow, fan, JourneyState.WAITING, 1)
    editor_client.post(status, {"action": "stop"})
    flow.refresh_from_db()
    running.refresh_from_db()
    assert flow.status == FlowStatus.STOPPED and running.state == JourneyState.STOPPED


def test_a_refused_status_change_is_explained(
    editor_client: Client, workspace: Workspace, flow: Flow
) -> None:
    response = editor_client.post(
        url(workspace, "flow_status", pk=flow.pk), {"action": "resume"}, follow=True
    )
    assert "Could not resume" in response.content.decode()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.DRAFT
    bogus = editor_client.post(url(workspace, "flow_status", pk=flow.pk), {"action": "delete"})
    assert bogus.status_code == 404


def test_editors_toggle_dry_run(editor_client: Client, workspace: Workspace, flow: Flow) -> None:
    toggle = url(workspace, "flow_dry_run", pk=flow.pk)
    editor_client.post(toggle, {"dry_run": "on"})
    flow.refresh_from_db()
    assert flow.dry_run
    page = editor_client.get(url(workspace, "flow_detail", pk=flow.pk)).content.decode()
    assert "Turn dry run off" in page
    editor_client.post(toggle, {"dry_run": "off"})
    flow.refresh_from_db()
    assert not flow.dry_run


def test_the_list_is_paginated(owner_client: Client, workspace: Workspace) -> None:
    for n in range(30):
        services.create_flow(
            workspace, name=f"Flow {n:02d}", trigger="saved", steps=[{"type": "tag", "tag": "t"}]
        )
    first = owner_client.get(url(workspace, "flow_list")).content.decode()
    assert "Page 1 of 2" in first
    second = owner_client.get(url(workspace, "flow_list") + "?page=2").content.decode()
    assert "Flow 29" in second and "Flow 00" not in second


def test_the_fan_view_shows_engagement_and_journeys(
    viewer_client: Client, workspace: Workspace, flow: Flow, fan: Fan, release: Any
) -> None:
    from fanloop.analytics.fan_events import record_fan_event

    record_fan_event(fan, "email_clicked", key="c1", actor="fan", release=release)
    record_fan_event(fan, "saved", key="s1", actor="fan", release=release)
    journey(flow, fan, JourneyState.WAITING, 1)
    response = viewer_client.get(
        reverse("fans:fan_detail", kwargs={"ws": workspace.slug, "pk": fan.pk})
    )
    html = response.content.decode()
    section = html.split('id="engagement"')[1].split("</section>")[0]
    assert "Midnight Signal" in section and "<td>8</td>" in section
    assert "Release day" in section and "Waiting" in section


def test_the_fan_view_marks_what_fanloop_did_for_the_fan(
    viewer_client: Client, workspace: Workspace, fan: Fan, release: Any
) -> None:
    from fanloop.analytics.fan_events import record_fan_event

    record_fan_event(fan, "presaved", key="p1", actor="fan", release=release)
    record_fan_event(
        fan, "saved", key="d1", actor="fanloop", release=release, data={"via": "delivery"}
    )
    html = viewer_client.get(
        reverse("fans:fan_detail", kwargs={"ws": workspace.slug, "pk": fan.pk})
    ).content.decode()
    activity = html.split('id="activity"')[1].split("</table>")[0]
    rows = activity.split("<tr>")[2:]
    assert len(rows) == 2
    saved = next(r for r in rows if "Saved (one-click or API)" in r)
    presaved = next(r for r in rows if "Pre-saved" in r)
    assert "done by fanloop" in saved and "done by fanloop" not in presaved


def test_the_score_page_explains_the_weights_from_the_one_table(
    viewer_client: Client, workspace: Workspace
) -> None:
    from fanloop.flows.scoring import WEIGHTS

    html = viewer_client.get(reverse("flows:score", kwargs={"ws": workspace.slug})).content
    text = html.decode()
    for weight in WEIGHTS.values():
        assert f"<td>{weight.why}</td><td>{weight.points}</td>" in text.replace("&#x27;", "'")
    assert "release-day save" in text and "a fan whose only act was the pre-save scores 2" in text
    assert "top 30%" in text
    listing = viewer_client.get(reverse("flows:flow_list", kwargs={"ws": workspace.slug}))
    assert reverse("flows:score", kwargs={"ws": workspace.slug}) in listing.content.decode()


def test_the_fan_view_breaks_the_score_down(
    viewer_client: Client, workspace: Workspace, fan: Fan, release: Any
) -> None:
    from fanloop.analytics.fan_events import record_fan_event

    record_fan_event(fan, "presaved", key="p", actor="fan", release=release)
    for n in range(7):
        record_fan_event(fan, "email_opened", key=f"o{n}", actor="fan", release=release)
    record_fan_event(fan, "saved", key="d", actor="fanloop", release=release)
    html = viewer_client.get(
        reverse("fans:fan_detail", kwargs={"ws": workspace.slug, "pk": fan.pk})
    ).content.decode()
    section = html.split('id="engagement"')[1].split("<h3>")[0]
    assert "pre-saved the release: 1 time → 2" in section
    assert "7 times (counted 5) → 5" in section
    assert "saved the release with one click" not in section  # fanloop's save is not theirs
    assert "<td>7</td>" in section
