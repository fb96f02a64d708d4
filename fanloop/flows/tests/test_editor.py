"""The flow editor: create, add / remove / move steps without JS, per-step errors, a new
version per change, and version history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.flows import services
from fanloop.flows.models import Flow, FlowVersion

from .editor_helpers import editor_post

pytestmark = pytest.mark.django_db


def url(workspace: Workspace, name: str, **kw: Any) -> str:
    return reverse(f"flows:{name}", kwargs={"ws": workspace.slug, **kw})


def steps_of(templates: Any) -> list[dict[str, Any]]:
    return [
        {"type": "email", "template": templates["listen"].pk},
        {"type": "wait", "wait_mode": "duration", "amount": "2", "unit": "86400"},
        {"type": "condition", "check": "has_saved", "negate": True, "if_false": "exit"},
        {"type": "email", "template": templates["save"].pk},
    ]


def test_it_creates_a_flow_with_its_first_version(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps_of(templates)))
    flow = Flow.objects.get(name="Progression")
    assert response.status_code == 302
    assert response["Location"] == url(workspace, "flow_detail", pk=flow.pk)
    version = flow.current_version
    assert version is not None and version.number == 1
    assert (version.trigger, version.goal) == ("presaved", "followed")
    assert [s["type"] for s in version.steps] == ["email", "wait", "condition", "email"]
    assert version.steps[1]["duration_s"] == 172800
    assert version.steps[2] == {
        "id": "if1",
        "type": "condition",
        "check": "has_saved",
        "negate": True,
        "if_false": "exit",
    }
    assert flow.status == "draft"


def test_adding_a_step_rerenders_the_editor_and_saves_nothing(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    data = editor_post(steps_of(templates)[:1], op="add", add_type="api_follow", name="Kept")
    response = editor_client.post(url(workspace, "flow_create"), data)
    assert response.status_code == 200
    assert not Flow.objects.filter(is_default=False).exists()
    html = response.content.decode()
    assert "Step 2 · Follow the artist for the fan" in html
    assert 'name="steps-TOTAL_FORMS" value="2"' in html
    assert 'value="Kept"' in html  # what was typed stays


def test_moving_and_removing_steps_keeps_what_was_typed(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    steps = [
        {"type": "tag", "tag": "first"},
        {"type": "tag", "tag": "second"},
        {"type": "tag", "tag": "third"},
    ]
    moved = editor_client.post(url(workspace, "flow_create"), editor_post(steps, op="down:0"))
    html = moved.content.decode()
    assert html.index('value="second"') < html.index('value="first"') < html.index('value="third"')
    removed = editor_client.post(url(workspace, "flow_create"), editor_post(steps, op="remove:1"))
    html = removed.content.decode()
    assert 'value="second"' not in html and 'value="third"' in html
    up = editor_client.post(url(workspace, "flow_create"), editor_post(steps, op="up:2"))
    html = up.content.decode()
    assert html.index('value="third"') < html.index('value="second"')
    assert not Flow.objects.filter(is_default=False).exists()


def test_a_bad_step_is_reported_next_to_it_and_nothing_is_saved(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    steps = [
        {"type": "wait", "wait_mode": "duration", "amount": "1", "unit": "3600"},
        {"type": "email", "template": ""},
        {"type": "webhook", "url": "ftp://example.org"},
    ]
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps))
    assert response.status_code == 400
    assert not Flow.objects.filter(is_default=False).exists()
    html = response.content.decode()
    step2 = html.split('id="step-form-2"')[1].split("</fieldset>")[0]
    assert "choose an email template" in step2
    step3 = html.split('id="step-form-3"')[1].split("</fieldset>")[0]
    assert "webhook URL must start with https://" in step3
    assert "nothing was saved" in html


def test_a_template_of_another_workspace_is_refused(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    from fanloop.messaging.models import EmailTemplate

    other = Workspace.objects.create(name="Other", slug="other")
    foreign = EmailTemplate.objects.create(workspace=other, name="X", subject="X", text_body="x")
    steps = [{"type": "email", "template": foreign.pk}]
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps))
    assert response.status_code == 400
    assert not Flow.objects.filter(is_default=False).exists()


def test_editing_the_steps_makes_a_new_version_and_keeps_the_old_one(
    editor_client: Client, workspace: Workspace, templates: Any, editor: Any
) -> None:
    flow = services.create_flow(
        workspace, name="Progression", trigger="presaved", steps=[{"type": "tag", "tag": "a"}]
    )
    edit = editor_client.get(url(workspace, "flow_edit", pk=flow.pk))
    assert edit.status_code == 200 and 'value="a"' in edit.content.decode()
    response = editor_client.post(
        url(workspace, "flow_edit", pk=flow.pk), editor_post(steps_of(templates))
    )
    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.versions.count() == 2
    assert flow.current_version is not None and flow.current_version.number == 2
    assert flow.current_version.created_by == editor
    old = FlowVersion.objects.get(flow=flow, number=1)
    assert old.steps == [{"id": "tag1", "type": "tag", "tag": "a"}]
    page = editor_client.get(url(workspace, "version_detail", pk=flow.pk, number=1))
    assert page.status_code == 200
    assert "Add the tag “a”" in page.content.decode()
    assert "Read-only" in page.content.decode()


def test_renaming_only_makes_no_new_version(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    flow = services.create_flow(
        workspace, name="Old", trigger="presaved", steps=[{"type": "tag", "tag": "a"}]
    )
    same = [{"type": "tag", "tag": "a", "id": "tag1"}]
    data = editor_post(same, name="New name", goal="", description="Why")
    response = editor_client.post(url(workspace, "flow_edit", pk=flow.pk), data)
    assert response.status_code == 302
    flow.refresh_from_db()
    assert (flow.name, flow.description, flow.versions.count()) == ("New name", "Why", 1)


def test_the_editor_shows_the_warnings_of_what_is_on_screen(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    steps = [{"type": "email", "template": templates["listen"].pk}]
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps, op="check"))
    assert response.status_code == 200
    assert 'data-warning="listen_no_save_prompt"' in response.content.decode()


def test_a_release_of_another_artist_is_refused(
    editor_client: Client, workspace: Workspace, templates: Any, release: Any
) -> None:
    from fanloop.catalog.models import Artist

    other = Artist.objects.create(workspace=workspace, name="Other", slug="other-a")
    data = editor_post(
        [{"type": "tag", "tag": "a"}], artist=str(other.pk), trigger_release=str(release.pk)
    )
    response = editor_client.post(url(workspace, "flow_create"), data)
    assert response.status_code == 400
    assert "Choose a release of the flow" in response.content.decode()
