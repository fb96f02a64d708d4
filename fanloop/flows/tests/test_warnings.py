"""The three flow mistakes the editor warns about, and the flows that avoid them."""

from __future__ import annotations

from typing import Any

import pytest

from fanloop.flows.warnings import flow_warnings, templates_for
from fanloop.messaging.models import EmailTemplate

pytestmark = pytest.mark.django_db

WAIT: dict[str, Any] = {"id": "w", "type": "wait", "duration_s": 60}


def codes(trigger: str, steps: list[dict[str, Any]], t: dict[str, EmailTemplate]) -> list[str]:
    by_id = templates_for(next(iter(t.values())).workspace_id, steps)
    return [w.code for w in flow_warnings(trigger, steps, by_id)]


def email(t: EmailTemplate, step_id: str = "") -> dict[str, Any]:
    return {"id": step_id or f"e{t.pk}", "type": "email", "template": t.pk}


def test_it_warns_about_a_presave_trigger_without_follow_up(templates: Any) -> None:
    assert codes("presaved", [WAIT], templates) == ["presave_no_follow_up"]
    assert codes("presaved", [], templates) == ["presave_no_follow_up"]


def test_a_tag_alone_is_no_follow_up(templates: Any) -> None:
    steps = [WAIT, {"id": "t", "type": "tag", "tag": "fan"}]
    assert codes("presaved", steps, templates) == ["presave_no_follow_up"]


def test_other_triggers_need_no_follow_up(templates: Any) -> None:
    assert codes("email_subscribed", [WAIT], templates) == []


def test_it_warns_about_a_listen_email_without_a_save_prompt_after(templates: Any) -> None:
    steps = [email(templates["listen"]), WAIT]
    assert codes("presaved", steps, templates) == ["listen_no_save_prompt"]


def test_a_save_prompt_before_the_listen_email_does_not_count(templates: Any) -> None:
    steps = [email(templates["save"]), email(templates["listen"])]
    assert codes("presaved", steps, templates) == ["listen_no_save_prompt"]


def test_a_save_prompt_after_the_listen_email_silences_it(templates: Any) -> None:
    for prompt in (email(templates["save"]), {"id": "s", "type": "api_save"}):
        steps = [email(templates["listen"]), WAIT, prompt]
        assert codes("presaved", steps, templates) == []


def test_it_warns_about_a_follow_prompt_before_any_engagement_check(templates: Any) -> None:
    steps = [email(templates["follow"])]
    assert codes("saved", steps, templates) == ["follow_before_engagement"]
    steps = [{"id": "f", "type": "api_follow"}]
    assert codes("saved", steps, templates) == ["follow_before_engagement"]


def test_has_not_saved_is_no_engagement_check(templates: Any) -> None:
    steps = [
        {"id": "c", "type": "condition", "check": "has_saved", "negate": True},
        email(templates["follow"]),
    ]
    assert codes("saved", steps, templates) == ["follow_before_engagement"]


def test_an_engagement_condition_before_the_follow_prompt_silences_it(templates: Any) -> None:
    for check in (
        {"id": "c", "type": "condition", "check": "engagement_at_least", "value": 10},
        {"id": "c", "type": "condition", "check": "has_saved", "negate": False},
    ):
        steps = [check, email(templates["follow"])]
        assert codes("saved", steps, templates) == []


def test_the_progression_has_no_warning(templates: Any) -> None:
    steps = [
        email(templates["listen"], "out"),
        {"id": "w1", "type": "wait", "duration_s": 172800},
        {"id": "c1", "type": "condition", "check": "has_saved", "negate": True},
        email(templates["save"], "save"),
        {"id": "w2", "type": "wait", "duration_s": 172800},
        {"id": "c2", "type": "condition", "check": "engagement_at_least", "value": 8},
        {"id": "c3", "type": "condition", "check": "is_following", "negate": True},
        email(templates["follow"], "follow"),
    ]
    assert codes("presaved", steps, templates) == []


def test_it_reports_all_three_at_once_with_their_steps(templates: Any) -> None:
    steps = [email(templates["listen"], "out"), email(templates["follow"], "ask")]
    by_id = templates_for(templates["listen"].workspace_id, steps)
    found = flow_warnings("presaved", steps, by_id)
    assert [(w.code, w.step_id) for w in found] == [
        ("listen_no_save_prompt", "out"),
        ("follow_before_engagement", "ask"),
    ]
    only_wait = flow_warnings("presaved", [WAIT], by_id)
    assert [w.code for w in only_wait] == ["presave_no_follow_up"]


def test_the_default_flow_of_a_new_workspace_has_no_warning(workspace: Any) -> None:
    from fanloop.flows.defaults import create_default_flow

    flow = create_default_flow(workspace)
    version = flow.current_version
    assert version is not None
    by_id = templates_for(workspace.pk, version.steps)
    assert flow_warnings(version.trigger, version.steps, by_id) == []


def test_it_warns_when_the_follow_prompt_rests_on_what_fanloop_did(templates: Any) -> None:
    """After a pre-save the album is in the library because fanloop saved it: "saved" or
    "in the library" is no act of the fan's, so a follow prompt behind it alone is warned."""
    follow = email(templates["follow"], "ask")
    reliant = [
        ("presaved", {"id": "c", "type": "condition", "check": "has_saved"}),
        ("delivery_succeeded", {"id": "c", "type": "condition", "check": "has_saved"}),
        ("presaved", {"id": "c", "type": "condition", "check": "in_library"}),
        ("email_subscribed", {"id": "c", "type": "condition", "check": "did",
                              "value": "saved:any"}),
        ("email_subscribed", {"id": "c", "type": "condition", "check": "did",
                              "value": "followed:fanloop"}),
    ]  # fmt: skip
    for trigger, condition in reliant:
        steps = [condition, follow]
        assert codes(trigger, steps, templates)[-1:] == ["fanloop_act_as_engagement"], condition
    fan_acts = [
        {"id": "c2", "type": "condition", "check": "acted_since_release"},
        {"id": "c2", "type": "condition", "check": "did", "value": "saved"},
        {"id": "c2", "type": "condition", "check": "engagement_at_least", "value": "top 30%"},
    ]
    for condition in fan_acts:
        steps = [{"id": "c", "type": "condition", "check": "in_library"}, condition, follow]
        assert codes("presaved", steps, templates) == [], condition
    # A save the fan made (a "saved" trigger only starts on the fan's own saves) is theirs.
    steps = [{"id": "c", "type": "condition", "check": "has_saved"}, follow]
    assert codes("saved", steps, templates) == []


def test_a_track_prompt_is_a_save_prompt(templates: Any, workspace: Any) -> None:
    tracks = EmailTemplate.objects.create(
        workspace=workspace,
        name="tracks",
        subject="tracks",
        text_body="{% for title, url in track_links %}{{ title }} {{ url }}{% endfor %}",
    )
    steps = [email(templates["listen"]), email(tracks)]
    assert codes("presaved", steps, {**templates, "tracks": tracks}) == []
