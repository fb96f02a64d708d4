"""The default flow every workspace gets, active from the start: the fan progression.

pre-saved → (release live) "it's out" with listen links → 2 days → not saved (verified)?
save prompt with a one-click save link → 3 days → engaged (opened, clicked, kept the save)
and not following? follow prompt with a one-click follow link. Goal: followed.

A fan who already saved skips only the save prompt; a fan who is not engaged enough, or
already follows, leaves before the follow prompt. The three emails are ordinary workspace
templates (editable copy); the flow is an ordinary flow (editable, pausable, stoppable).
The same definition is used by the data migration for workspaces created before it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.flows.models import Flow, FlowStatus, FlowVersion
from fanloop.messaging.models import EmailTemplate

DEFAULT_FLOW_NAME = "Pre-save to follower"
DEFAULT_FLOW_DESCRIPTION = (
    "Every fan who pre-saves gets the release-day email, a save prompt if the save is "
    "not in their library two days later, and, once engaged, an invitation to follow."
)
# Release-scoped engagement score before the follow prompt: e.g. the pre-save (2) plus a
# clicked email (3), or a save kept for a week (5). See ``fanloop.flows.scoring``.
ENGAGED_SCORE = 5
RELEASE_LIVE_TIMEOUT_S = 365 * 86400
DAY_S = 86400

ITS_OUT = "its_out"
SAVE_PROMPT = "save_prompt"
FOLLOW_PROMPT = "follow_prompt"

DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    ITS_OUT: {
        "name": "Default: it's out",
        "subject": "{{ release.title }} is out now",
        "text_body": (
            'Hi {{ fan.first_name|default:"there" }},\n\n'
            "{{ release.title }} by {{ artist.name }} is out today, and you were one of "
            "the first to pre-save it. Thank you.\n\n"
            "Listen now:\n"
            "{% for label, url in listen_links %}{{ label }}: {{ url }}\n{% endfor %}\n"
            "{{ artist.name }}\n"
        ),
    },
    SAVE_PROMPT: {
        "name": "Default: save prompt",
        "subject": "Keep {{ release.title }} in your library",
        "text_body": (
            'Hi {{ fan.first_name|default:"there" }},\n\n'
            "{{ release.title }} by {{ artist.name }} has been out for a couple of days. "
            "If it is not in your library yet, one click saves it there:\n\n"
            "{{ save_url }}\n\n"
            "Only this release is saved, nothing else, and only when you click.\n\n"
            "{{ artist.name }}\n"
        ),
    },
    FOLLOW_PROMPT: {
        "name": "Default: follow prompt",
        "subject": "Hear {{ artist.name }}'s next release first",
        "text_body": (
            'Hi {{ fan.first_name|default:"there" }},\n\n'
            "Thank you for listening to {{ release.title }}. Follow {{ artist.name }} and "
            "new music shows up in your feed the day it comes out:\n\n"
            "{{ follow_url }}\n\n"
            "Nothing happens unless you click, and you can unfollow any time.\n\n"
            "{{ artist.name }}\n"
        ),
    },
}


def default_steps(templates: dict[str, int]) -> list[dict[str, Any]]:
    """The default flow's steps, given the ids of its three templates."""
    return [
        {
            "id": "release-live",
            "type": "wait",
            "event": FanEventKind.RELEASE_LIVE.value,
            "timeout_s": RELEASE_LIVE_TIMEOUT_S,
        },
        {"id": "its-out", "type": "email", "template": templates[ITS_OUT]},
        {"id": "wait-2d", "type": "wait", "duration_s": 2 * DAY_S},
        {
            "id": "not-saved",
            "type": "condition",
            "check": "has_saved",
            "negate": True,
            "if_false": "next",
        },
        {"id": "save-prompt", "type": "email", "template": templates[SAVE_PROMPT]},
        {"id": "wait-3d", "type": "wait", "duration_s": 3 * DAY_S},
        {
            "id": "engaged",
            "type": "condition",
            "check": "engagement_at_least",
            "value": ENGAGED_SCORE,
            "negate": False,
            "if_false": "exit",
        },
        {
            "id": "not-following",
            "type": "condition",
            "check": "is_following",
            "negate": True,
            "if_false": "exit",
        },
        {"id": "follow-prompt", "type": "email", "template": templates[FOLLOW_PROMPT]},
    ]


def build_default_flow(
    workspace_id: int,
    *,
    template_model: Any = EmailTemplate,
    flow_model: Any = Flow,
    version_model: Any = FlowVersion,
) -> Any:
    """Create the templates and the active default flow (the models are parameters so the
    data migration can pass its historical ones)."""
    ids = {
        key: template_model.objects.create(workspace_id=workspace_id, **values).pk
        for key, values in DEFAULT_TEMPLATES.items()
    }
    flow = flow_model.objects.create(
        workspace_id=workspace_id,
        name=DEFAULT_FLOW_NAME,
        description=DEFAULT_FLOW_DESCRIPTION,
        status=FlowStatus.ACTIVE.value,
        is_default=True,
    )
    version = version_model.objects.create(
        flow=flow,
        number=1,
        trigger=FanEventKind.PRESAVED.value,
        steps=default_steps(ids),
        goal=FanEventKind.FOLLOWED.value,
    )
    flow.current_version = version
    flow.save(update_fields=["current_version"])
    return flow


@transaction.atomic
def create_default_flow(workspace: Workspace) -> Flow:
    """The workspace's default flow, created with its templates unless it exists."""
    existing = Flow.objects.filter(workspace=workspace, is_default=True).first()
    if existing is not None:
        return existing
    flow: Flow = build_default_flow(workspace.pk)
    return flow
