"""The step language: validation (normalized copies, per-step messages) and descriptions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from fanloop.accounts.models import User, Workspace
from fanloop.flows.steps import CONDITION_CHECKS, STEP_TYPES, describe_step, validate_steps
from fanloop.flows.workspaces import create_workspace
from fanloop.messaging.models import EmailTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(workspace: Workspace) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace, name="It's out", subject="Out", text_body="Out now"
    )


def messages(steps: list[Any], workspace: Workspace) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate_steps(steps, workspace=workspace)
    return info.value.messages


def test_every_step_type_validates_and_is_normalized(
    workspace: Workspace, note: EmailTemplate
) -> None:
    steps = validate_steps(
        [
            {"type": "wait", "duration_s": "3600"},
            {"type": "wait", "until_time": "9:05"},
            {"type": "wait", "event": "saved", "timeout_s": 86400},
            {"type": "condition", "check": "has_saved", "negate": True, "if_false": "next"},
            {"type": "condition", "check": "engagement_at_least", "value": "5"},
            {"type": "condition", "check": "country", "value": "de", "if_false": {"goto": "last"}},
            {"type": "email", "template": str(note.pk)},
            {"type": "tag", "tag": "  superfan "},
            {"type": "api_save"},
            {"type": "api_follow"},
            {"id": "last", "type": "webhook", "url": "https://hooks.example.org/x"},
        ],
        workspace=workspace,
    )
    assert steps == [
        {"id": "wait1", "type": "wait", "duration_s": 3600},
        {"id": "wait2", "type": "wait", "until_time": "09:05"},
        {"id": "wait3", "type": "wait", "event": "saved", "timeout_s": 86400},
        {
            "id": "if1",
            "type": "condition",
            "check": "has_saved",
            "negate": True,
            "if_false": "next",
        },
        {
            "id": "if2",
            "type": "condition",
            "check": "engagement_at_least",
            "value": 5,
            "negate": False,
            "if_false": "exit",
        },
        {
            "id": "if3",
            "type": "condition",
            "check": "country",
            "value": "DE",
            "negate": False,
            "if_false": {"goto": "last"},
        },
        {"id": "email1", "type": "email", "template": note.pk},
        {"id": "tag1", "type": "tag", "tag": "superfan"},
        {"id": "save1", "type": "api_save"},
        {"id": "follow1", "type": "api_follow"},
        {"id": "last", "type": "webhook", "url": "https://hooks.example.org/x"},
    ]
    assert set(STEP_TYPES) == {s["type"] for s in steps}


def test_validation_names_each_bad_step(workspace: Workspace) -> None:
    assert messages(
        [
            {"type": "wait"},
            {"type": "wait", "duration_s": 60, "event": "saved"},
            {"type": "wait", "event": "saved"},
            {"type": "wait", "until_time": "25:00"},
            {"type": "condition", "check": "mood"},
            {"type": "condition", "check": "platform", "value": "myspace"},
            {"type": "email"},
            {"type": "teleport"},
            {"type": "tag", "tag": "x", "colour": "red"},
            {"type": "webhook", "url": "ftp://example.org/"},
        ],
        workspace,
    ) == [
        "Step 1: a wait needs exactly one of a duration, a time of day or an event.",
        "Step 2: a wait needs exactly one of a duration, a time of day or an event.",
        "Step 3: a wait for an event needs a timeout.",
        "Step 4: the time of day must look like 09:30 (00:00 to 23:59).",
        "Step 5: unknown condition 'mood'.",
        "Step 6: unknown platform 'myspace' (one of spotify, applemusic, deezer, tidal).",
        "Step 7: choose an email template.",
        "Step 8: unknown step type 'teleport'.",
        "Step 9: unknown field(s) colour for a tag step.",
        "Step 10: a webhook URL must start with https:// (or http://) and name a host.",
    ]


def test_jumps_go_forward_to_existing_steps_and_ids_are_unique(workspace: Workspace) -> None:
    tag = {"type": "tag", "tag": "x"}
    assert messages(
        [
            {"id": "a", **tag},
            {"id": "b", "type": "condition", "check": "is_following", "if_false": {"goto": "a"}},
            {"id": "c", "type": "condition", "check": "is_following", "if_false": {"goto": "zz"}},
            {"id": "a", **tag},
            {"id": "d", "type": "condition", "check": "is_following", "if_false": "next"},
        ],
        workspace,
    ) == [
        "Step 2: a jump can only go to a later step.",
        "Step 3: no step has the id 'zz'.",
        "Step 4: the id 'a' is used by step 1 too.",
        "Step 5: there is no next step to skip; use exit.",
    ]


def test_a_template_of_another_workspace_is_refused(workspace: Workspace) -> None:
    other = create_workspace("Other", User.objects.create_user("o@example.org", "pw-123456789"))
    foreign = EmailTemplate.objects.create(workspace=other, name="X", subject="X", text_body="X")
    assert messages([{"type": "email", "template": foreign.pk}], workspace) == [
        "Step 1: choose an email template of this workspace."
    ]


def test_limits(workspace: Workspace) -> None:
    assert messages([{"type": "wait", "duration_s": 401 * 86400}], workspace) == [
        "Step 1: the duration can be at most 400 days."
    ]
    assert messages([{"type": "tag", "tag": "x"}] * 51, workspace) == [
        "A flow has at most 50 steps."
    ]


@pytest.mark.parametrize(
    ("step", "text"),
    [
        ({"type": "wait", "duration_s": 172800}, "Wait 2 days"),
        ({"type": "wait", "duration_s": 93600}, "Wait 1 day 2 hours"),
        ({"type": "wait", "until_time": "10:00"}, "Wait until 10:00 in the fan's time zone"),
        (
            {"type": "wait", "event": "release_live", "timeout_s": 86400},
            "Wait until: release live for the fan (at most 1 day)",
        ),
        (
            {"type": "condition", "check": "has_saved", "negate": True, "if_false": "next"},
            "Only if the fan has not saved the release (verified); otherwise skip the next step",
        ),
        (
            {"type": "condition", "check": "engagement_at_least", "value": 5},
            "Only if the fan has an engagement score of at least 5; otherwise leave the flow",
        ),
        (
            {"type": "condition", "check": "consent", "value": "follow", "if_false": {"goto": "x"}},
            "Only if the fan has given consent to “follow the artist”; otherwise jump to step “x”",
        ),
        ({"type": "tag", "tag": "vip"}, "Add the tag “vip”"),
        ({"type": "api_follow"}, "Follow the artist for the fan (where the fan allowed it)"),
    ],
)
def test_describe_step(step: dict[str, Any], text: str) -> None:
    assert describe_step(step) == text


def test_describe_email_uses_the_template_name(note: EmailTemplate) -> None:
    step = {"type": "email", "template": note.pk}
    assert describe_step(step, templates={note.pk: note}) == "Send email “It's out”"
    assert describe_step(step) == f"Send email “#{note.pk}”"
    assert set(CONDITION_CHECKS) == {
        "has_saved",
        "is_following",
        "engagement_at_least",
        "platform",
        "country",
        "consent",
        "segment",
        "in_segment",
        "did",
        "acted_since_release",
        "in_library",
        "can_do",
    }


@pytest.mark.parametrize(
    ("value", "stored"),
    [(5, 5), ("top 30%", "top 30%"), ("Top 5 %", "top 5%"), ("top 100", "top 100%")],
)
def test_engagement_takes_a_score_or_a_top_share(
    workspace: Workspace, value: Any, stored: Any
) -> None:
    step = {"type": "condition", "check": "engagement_at_least", "value": value}
    assert validate_steps([step], workspace=workspace)[0]["value"] == stored


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"check": "engagement_at_least", "value": "top 0%"}, "between 1 % and 100 %"),
        ({"check": "engagement_at_least", "value": "top 101%"}, "between 1 % and 100 %"),
        ({"check": "engagement_at_least", "value": "most"}, "a share such as"),
        ({"check": "did", "value": "danced"}, "unknown event"),
        ({"check": "did", "value": "saved:robot"}, "saved:fanloop or saved:any"),
        ({"check": "can_do", "value": "dance"}, "unknown capability"),
        ({"check": "in_library", "value": "x"}, "takes no value"),
    ],
)
def test_the_new_conditions_refuse_bad_values(
    workspace: Workspace, step: dict[str, Any], message: str
) -> None:
    assert message in " ".join(messages([{"type": "condition", **step}], workspace))


def test_the_new_conditions_read_plainly() -> None:
    assert describe_step(
        {"type": "condition", "check": "engagement_at_least", "value": "top 30%"}
    ) == (
        "Only if the fan has an engagement score in the top 30% of this release's fans; "
        "otherwise leave the flow"
    )
    assert describe_step(
        {"type": "condition", "check": "did", "value": "saved:fanloop", "if_false": "next"}
    ) == (
        "Only if the fan did “saved (one-click or api)” (done by fanloop); "
        "otherwise skip the next step"
    )
    assert describe_step({"type": "condition", "check": "in_library", "negate": True}).startswith(
        "Only if the fan does not have the release in their library"
    )
    assert describe_step({"type": "condition", "check": "can_do", "value": "follow"}).startswith(
        "Only if the fan uses a platform that can follow the artist"
    )
