"""The default flow every workspace gets, active from the start: the fan progression.

pre-saved → (release live) "it's out" with listen links → 2 days → the save stage, which
depends on where the fan stands:

- the release is in the fan's library (fanloop saved it on release day, and no check found
  it removed): "Which track is yours?", one tap saves a track of the fan's choosing;
- it is not (the delivery failed, or the fan removed it): the one-click album save;

→ 3 days → the follow prompt, only for a fan who did something since the release (a click,
a save, a track save, a follow: fanloop's own release-day save is not the fan's act), is in
the top 30 % of this release's fans by engagement score, uses a platform that can follow,
and does not follow yet. Goal: followed.

The four emails are ordinary workspace templates (editable copy); the flow is an ordinary
flow (editable, pausable, stoppable). The same definition is used by the data migrations
for workspaces created before it.
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
    "Every fan who pre-saves gets the release-day email; two days later, a fan whose "
    "library has the release is asked which track is theirs, a fan whose library does "
    "not gets a one-click save; the most engaged fans who acted since the release are "
    "then invited to follow."
)
# The follow prompt goes to the top share of the release's fans in this flow by their own
# engagement (``fanloop.flows.scoring``), among those who acted since the release.
ENGAGED_SHARE = "top 30%"
RELEASE_LIVE_TIMEOUT_S = 365 * 86400
DAY_S = 86400

ITS_OUT = "its_out"
SAVE_PROMPT = "save_prompt"
TRACK_PROMPT = "track_prompt"
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
        "subject": "Add {{ release.title }} to your library",
        "text_body": (
            'Hi {{ fan.first_name|default:"there" }},\n\n'
            "{{ release.title }} by {{ artist.name }} has been out for a couple of days. "
            "One click adds it to your library:\n\n"
            "{{ save_url }}\n\n"
            "Only this release is saved, nothing else, and only when you click.\n\n"
            "{{ artist.name }}\n"
        ),
    },
    TRACK_PROMPT: {
        "name": "Default: which track is yours",
        "subject": "Which track of {{ release.title }} is yours?",
        "text_body": (
            'Hi {{ fan.first_name|default:"there" }},\n\n'
            "{{ release.title }} has been in your library since release day. "
            "Which track is yours? One tap saves it to your liked songs:\n\n"
            "{% for title, url in track_links %}{{ title }}: {{ url }}\n{% endfor %}\n"
            "Only the track you tap is saved, nothing else.\n\n"
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
    """The default flow's steps, given the ids of its four templates."""
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
            "id": "can-save",
            "type": "condition",
            "check": "can_do",
            "value": "save",
            "negate": False,
            "if_false": {"goto": "wait-3d"},
        },
        {
            "id": "not-in-library",
            "type": "condition",
            "check": "in_library",
            "negate": True,
            "if_false": "next",
        },
        {"id": "save-prompt", "type": "email", "template": templates[SAVE_PROMPT]},
        {
            "id": "in-library",
            "type": "condition",
            "check": "in_library",
            "negate": False,
            "if_false": {"goto": "wait-3d"},
        },
        {
            "id": "tracks-known",
            "type": "condition",
            "check": "can_do",
            "value": "save_track",
            "negate": False,
            "if_false": "next",
        },
        {"id": "track-prompt", "type": "email", "template": templates[TRACK_PROMPT]},
        {"id": "wait-3d", "type": "wait", "duration_s": 3 * DAY_S},
        {
            "id": "acted",
            "type": "condition",
            "check": "acted_since_release",
            "negate": False,
            "if_false": "exit",
        },
        {
            "id": "engaged",
            "type": "condition",
            "check": "engagement_at_least",
            "value": ENGAGED_SHARE,
            "negate": False,
            "if_false": "exit",
        },
        *follow_prompt_steps(templates[FOLLOW_PROMPT]),
    ]


def follow_prompt_steps(template: Any) -> list[dict[str, Any]]:
    """Ask a fan to follow only when one of their connections can follow and they do not
    follow yet: the end of the progression, and of the forever-save welcome."""
    return [
        {
            "id": "can-follow",
            "type": "condition",
            "check": "can_do",
            "value": "follow",
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
        {"id": "follow-prompt", "type": "email", "template": template},
    ]


# The first default flow's step ids and save-prompt subject: a workspace whose default flow
# is still exactly that gets the progression above as a new version (``upgrade``).
FIRST_STEP_IDS = [
    "release-live",
    "its-out",
    "wait-2d",
    "not-saved",
    "save-prompt",
    "wait-3d",
    "engaged",
    "not-following",
    "follow-prompt",
]
FIRST_SAVE_SUBJECT = "Keep {{ release.title }} in your library"


def upgrade_default_flow(
    flow: Any, *, template_model: Any = EmailTemplate, version_model: Any = FlowVersion
) -> bool:
    """Give an untouched first default flow the current steps as a new version (journeys
    under way finish on theirs). False when the flow was edited: a member's flow is theirs.
    The save prompt's copy is replaced only while it is still the first wording."""
    current = flow.current_version
    if current is None or [s.get("id") for s in current.steps] != FIRST_STEP_IDS:
        return False
    by_id = {s["id"]: s for s in current.steps}
    save_prompt = template_model.objects.filter(pk=by_id["save-prompt"]["template"]).first()
    if save_prompt is None:
        return False
    if save_prompt.subject == FIRST_SAVE_SUBJECT:
        save_prompt.subject = DEFAULT_TEMPLATES[SAVE_PROMPT]["subject"]
        save_prompt.text_body = DEFAULT_TEMPLATES[SAVE_PROMPT]["text_body"]
        save_prompt.save(update_fields=["subject", "text_body"])
    track = template_model.objects.create(
        workspace_id=flow.workspace_id, **DEFAULT_TEMPLATES[TRACK_PROMPT]
    )
    ids = {
        ITS_OUT: by_id["its-out"]["template"],
        SAVE_PROMPT: save_prompt.pk,
        TRACK_PROMPT: track.pk,
        FOLLOW_PROMPT: by_id["follow-prompt"]["template"],
    }
    latest = version_model.objects.filter(flow=flow).order_by("-number").first()
    version = version_model.objects.create(
        flow=flow,
        number=latest.number + 1,
        trigger=current.trigger,
        trigger_release=current.trigger_release,
        steps=default_steps(ids),
        goal=current.goal,
    )
    flow.current_version = version
    flow.description = DEFAULT_FLOW_DESCRIPTION
    flow.save(update_fields=["current_version", "description"])
    return True


def build_default_flow(
    workspace_id: int,
    *,
    template_model: Any = EmailTemplate,
    flow_model: Any = Flow,
    version_model: Any = FlowVersion,
) -> Any:
    """Create the templates and the active default flow (the models are parameters so the
    data migration can pass its historical ones)."""
    # One INSERT for the templates (their ids come back from it on SQLite and PostgreSQL).
    templates = template_model.objects.bulk_create(
        [
            template_model(workspace_id=workspace_id, **values)
            for values in DEFAULT_TEMPLATES.values()
        ]
    )
    ids = {key: template.pk for key, template in zip(DEFAULT_TEMPLATES, templates, strict=True)}
    if not all(ids.values()):  # a database that cannot return them (neither of ours)
        raise RuntimeError("the database returned no ids for the default templates")
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
