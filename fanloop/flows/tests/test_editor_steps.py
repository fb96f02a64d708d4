"""The flow editor's step list: htmx partials (add, move, remove, change type, live
summaries) and the same actions as whole pages, conditions in positive or negative
phrasing, jumps by step name, errors next to their field, templates to start from, and
the refusals (outsiders, viewers, CSRF) of every action."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.flows import services
from fanloop.flows.defaults import create_default_flow, default_steps
from fanloop.flows.models import Flow, FlowVersion, Journey, JourneyState, JourneyStep
from fanloop.flows.starters import STARTERS

from .editor_helpers import editor_post

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(workspace: Workspace, name: str, **kw: Any) -> str:
    return reverse(f"flows:{name}", kwargs={"ws": workspace.slug, **kw})


TAGS = [{"type": "tag", "tag": "first"}, {"type": "tag", "tag": "second"}]


def test_an_htmx_add_returns_the_step_list_alone_with_the_focus_on_the_new_step(
    editor_client: Client, workspace: Workspace
) -> None:
    data = editor_post(TAGS, op="add", add_type="webhook")
    response = editor_client.post(url(workspace, "flow_create"), data, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert 'id="steps-editor"' in html
    assert '<span id="step-h-3" tabindex="-1" autofocus>Step 3 · Call a webhook</span>' in html
    assert 'name="steps-2-url"' in html and 'name="steps-2-tag"' not in html
    assert not Flow.objects.filter(is_default=False).exists()


def test_moving_keeps_the_focus_on_the_button_and_without_htmx_returns_the_page(
    editor_client: Client, workspace: Workspace
) -> None:
    steps = [{**TAGS[0], "id": "a"}, {**TAGS[1], "id": "b"}, {"type": "tag", "tag": "x", "id": "c"}]
    moved = editor_client.post(
        url(workspace, "flow_create"), editor_post(steps, op="down:0"), headers=HX
    )
    html = moved.content.decode()
    assert html.index('value="second"') < html.index('value="first"')
    assert 'id="down-a" name="op" value="down:1"' in html
    assert html.split('id="down-a"')[1].split(">")[0].endswith("autofocus")
    page = editor_client.post(url(workspace, "flow_create"), editor_post(steps, op="remove:0"))
    html = page.content.decode()
    assert "<html" in html and 'value="first"' not in html and 'value="second"' in html


def test_changing_the_type_of_a_step_shows_only_the_new_types_fields(
    editor_client: Client, workspace: Workspace
) -> None:
    data = editor_post(TAGS, op="type:1", **{"retype-1": "wait"})
    html = editor_client.post(url(workspace, "flow_create"), data, headers=HX).content.decode()
    assert "Step 2 · Wait" in html
    assert 'name="steps-1-amount"' in html and 'name="steps-1-tag"' not in html
    # A wait for a duration shows no time-of-day or event fields.
    assert 'name="steps-1-until_time"' not in html and 'name="steps-1-event"' not in html


def test_a_condition_is_chosen_in_its_negative_phrasing_and_stored_as_before(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    steps = [
        {"type": "condition", "check": "not:has_saved", "if_false": "exit"},
        {"type": "email", "template": templates["save"].pk},
    ]
    page = editor_client.post(url(workspace, "flow_create"), editor_post(steps, op="check"))
    html = page.content.decode()
    assert "Negate" not in html
    assert '<option value="not:has_saved" selected>Only fans who have not saved' in html
    assert "Only fans who have not saved the release; the others leave the flow." in html
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps))
    assert response.status_code == 302
    flow = Flow.objects.get(name="Progression")
    assert flow.current_version is not None
    assert flow.current_version.steps[0] == {
        "id": "if1",
        "type": "condition",
        "check": "has_saved",
        "negate": True,
        "if_false": "exit",
    }
    edit = editor_client.get(url(workspace, "flow_edit", pk=flow.pk)).content.decode()
    assert '<option value="not:has_saved" selected>' in edit


def test_the_top_share_reads_in_plain_words(editor_client: Client, workspace: Workspace) -> None:
    steps = [
        {"type": "condition", "check": "engagement_at_least", "value": "top 30%"},
        {"type": "condition", "check": "not:is_following", "if_false": "exit"},
    ]
    html = editor_client.post(
        url(workspace, "flow_create"), editor_post(steps, op="check"), headers=HX
    ).content.decode()
    assert "Only the top 30 % most engaged fans; the others leave the flow." in html
    assert "Only fans who do not follow the artist yet; the others leave the flow." in html


def test_a_jump_goes_to_a_later_step_chosen_by_name(
    editor_client: Client, workspace: Workspace, templates: Any
) -> None:
    steps = [
        {"type": "tag", "tag": "early", "id": "tag1"},
        {"type": "condition", "check": "is_following", "if_false": "goto", "goto": "hook1"},
        {"type": "tag", "tag": "skipped", "id": "tag2"},
        {"type": "webhook", "url": "https://example.org/hook", "id": "hook1"},
    ]
    html = editor_client.post(
        url(workspace, "flow_create"), editor_post(steps, op="check")
    ).content.decode()
    jump = html.split('name="steps-1-goto"')[1].split("</select>")[0]
    assert (
        '<option value="hook1" selected>Step 4 · Call the webhook https://example.org/hook.' in jump
    )
    assert 'value="tag1"' not in jump  # only later steps
    assert "the others jump to step 4 (Call a webhook)." in html
    assert "step id" not in html.lower()
    assert editor_client.post(url(workspace, "flow_create"), editor_post(steps)).status_code == 302
    version = Flow.objects.get(name="Progression").current_version
    assert version is not None and version.steps[1]["if_false"] == {"goto": "hook1"}


def test_a_step_added_a_moment_ago_can_be_a_jump_target(
    editor_client: Client, workspace: Workspace
) -> None:
    steps = [{"type": "condition", "check": "is_following", "if_false": "goto"}]
    html = editor_client.post(
        url(workspace, "flow_create"),
        editor_post(steps, op="add", add_type="api_follow"),
        headers=HX,
    ).content.decode()
    assert 'name="steps-0-id" value="if1"' in html and 'name="steps-1-id" value="follow1"' in html
    assert '<option value="follow1">Step 2 · Follow the artist' in html


def test_errors_sit_next_to_their_field_and_in_the_summary(
    editor_client: Client, workspace: Workspace
) -> None:
    steps = [
        {"type": "tag", "tag": "ok"},
        {"type": "webhook", "url": "ftp://example.org"},
        {"type": "condition", "check": "country", "value": "Germany"},
    ]
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_steps-1-url"' in summary and 'href="#id_steps-2-value"' in summary
    url_group = html.split('for="id_steps-1-url"')[1].split('name="steps-1-url"')[0]
    assert "webhook URL must start with https://" in url_group
    value_group = html.split('for="id_steps-2-value"')[1].split('name="steps-2-value"')[0]
    assert "two-letter code" in value_group
    assert not Flow.objects.filter(is_default=False).exists()


def test_each_step_shows_its_counts_on_the_current_version(
    editor_client: Client, workspace: Workspace, fan: Any
) -> None:
    flow = services.create_flow(
        workspace, name="Counted", trigger="presaved", steps=[{"type": "tag", "tag": "a"}]
    )
    version = flow.current_version
    assert version is not None
    journey = Journey.objects.create(
        flow=flow, version=version, fan=fan, state=JourneyState.WAITING, step_index=0
    )
    JourneyStep.objects.create(
        journey=journey, version=version, step_index=0, step_id="tag1", outcome="entered"
    )
    html = editor_client.get(url(workspace, "flow_edit", pk=flow.pk)).content.decode()
    assert "entered 1 · waiting 1 · passed 0 · left 0" in html


@pytest.mark.parametrize("key", sorted(STARTERS))
def test_every_template_fills_the_editor(
    editor_client: Client, workspace: Workspace, key: str
) -> None:
    create_default_flow(workspace)
    page = editor_client.get(url(workspace, "flow_create") + f"?template={key}")
    html = page.content.decode()
    assert page.status_code == 200 and "New flow from template" in html
    assert html.count('class="card step"') == len(page.context["formset"].forms) >= 5


def test_the_progression_template_is_the_default_flow(
    editor_client: Client, workspace: Workspace
) -> None:
    default = create_default_flow(workspace)
    assert default.current_version is not None
    page = editor_client.get(url(workspace, "flow_create") + "?template=progression")
    form = page.context["formset"]
    data = {
        "name": "Copy",
        "description": "",
        "artist": "",
        "trigger": "presaved",
        "trigger_release": "",
        "goal": "followed",
        "op": "save",
        **{k: v for k, v in _bound(form).items()},
    }
    assert editor_client.post(url(workspace, "flow_create"), data).status_code == 302
    copy = FlowVersion.objects.get(flow__name="Copy")
    assert copy.steps == default.current_version.steps
    assert copy.steps == default_steps(
        {k: s["template"] for k, s in _templates(default.current_version.steps).items()}
    )


def _templates(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    ids = {"its-out": "its_out", "save-prompt": "save_prompt"}
    ids |= {"track-prompt": "track_prompt", "follow-prompt": "follow_prompt"}
    return {ids[s["id"]]: s for s in steps if s["id"] in ids}


def _bound(formset: Any) -> dict[str, Any]:
    """What the browser posts for the editor's initial step forms."""
    data: dict[str, Any] = {
        f"{formset.prefix}-TOTAL_FORMS": str(len(formset.forms)),
        f"{formset.prefix}-INITIAL_FORMS": "0",
    }
    for form in formset.forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if name == "negate" or value in (None, ""):
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


ACTIONS = ["add", "up:1", "down:0", "remove:0", "type:0", "check"]


@pytest.mark.parametrize("op", ACTIONS)
def test_outsiders_get_404_for_every_action(
    outsider_client: Client, workspace: Workspace, op: str
) -> None:
    flow = services.create_flow(
        workspace, name="Mine", trigger="presaved", steps=[{"type": "tag", "tag": "secret-tag"}]
    )
    data = editor_post(TAGS, op=op, add_type="tag", **{"retype-0": "wait"})
    for target in (url(workspace, "flow_create"), url(workspace, "flow_edit", pk=flow.pk)):
        response = outsider_client.post(target, data, headers=HX)
        assert response.status_code == 404
        assert b"secret-tag" not in response.content


@pytest.mark.parametrize("op", ACTIONS)
def test_viewers_get_403_for_every_action(
    viewer_client: Client, workspace: Workspace, op: str
) -> None:
    data = editor_post(TAGS, op=op, add_type="tag", **{"retype-0": "wait"})
    assert viewer_client.post(url(workspace, "flow_create"), data, headers=HX).status_code == 403
    assert viewer_client.get(url(workspace, "flow_create") + "?template=lapsed").status_code == 403


@pytest.mark.parametrize("op", ACTIONS)
def test_every_action_needs_the_csrf_token(editor: Any, workspace: Workspace, op: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    data = editor_post(TAGS, op=op, add_type="tag", **{"retype-0": "wait"})
    assert client.post(url(workspace, "flow_create"), data, headers=HX).status_code == 403


def test_the_value_field_says_what_its_condition_needs(
    editor_client: Client, workspace: Workspace
) -> None:
    steps = [
        {"type": "condition", "check": "can_do", "value": "follow"},
        {"type": "condition", "check": "in_library"},
    ]
    html = editor_client.post(
        url(workspace, "flow_create"), editor_post(steps, op="check"), headers=HX
    ).content.decode()
    assert '<label for="id_steps-0-value">Can:</label>' in html
    assert '<select name="steps-0-value"' in html
    assert '<option value="follow" selected>follow the artist</option>' in html
    assert 'name="steps-1-value"' not in html  # "in the library" takes no value
    assert "Only fans who use a platform that can follow the artist;" in html


def test_an_error_about_no_one_field_is_on_its_step_and_in_the_summary(
    editor_client: Client, workspace: Workspace
) -> None:
    steps = [{"type": "tag", "tag": "x", "id": "same"}, {"type": "tag", "tag": "y", "id": "same"}]
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "Step 2: the id &#x27;same&#x27; is used by step 1 too." in summary
    step2 = html.split('id="step-form-2"')[1].split("</fieldset>")[0]
    assert "is used by step 1 too" in step2


def test_a_jump_whose_step_moved_above_asks_for_a_later_step(
    editor_client: Client, workspace: Workspace
) -> None:
    steps = [
        {"type": "tag", "tag": "now-first", "id": "tag1"},
        {"type": "condition", "check": "is_following", "if_false": "goto", "goto": ""},
    ]
    response = editor_client.post(url(workspace, "flow_create"), editor_post(steps))
    assert response.status_code == 400
    html = response.content.decode()
    group = html.split('for="id_steps-1-goto"')[1].split('name="steps-1-goto"')[0]
    assert "Choose a later step to jump to." in group
    assert 'href="#id_steps-1-goto"' in html
    assert not Flow.objects.filter(is_default=False).exists()
