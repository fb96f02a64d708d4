"""Flows to start from in the editor ("New flow from template"): the default progression,
notify-me to release, the forever-save welcome and re-engaging lapsed fans.

A starter only fills the editor; nothing is saved until the member saves. Email steps use
the workspace's default templates where they fit (``defaults.DEFAULT_TEMPLATES``, found by
name); otherwise the member chooses one (the editor says so next to the step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.flows.defaults import (
    DAY_S,
    DEFAULT_TEMPLATES,
    FOLLOW_PROMPT,
    ITS_OUT,
    RELEASE_LIVE_TIMEOUT_S,
    SAVE_PROMPT,
    TRACK_PROMPT,
    default_steps,
    follow_prompt_steps,
)
from fanloop.messaging.models import EmailTemplate


@dataclass(frozen=True)
class Starter:
    label: str
    trigger: str
    goal: str
    steps: list[dict[str, Any]]


def _progression(ids: dict[str, Any]) -> Starter:
    return Starter(
        "Pre-save to follower",
        FanEventKind.PRESAVED.value,
        FanEventKind.FOLLOWED.value,
        default_steps(ids),
    )


def _notify_me(ids: dict[str, Any]) -> Starter:
    return Starter(
        "Notify me to release",
        FanEventKind.EMAIL_SUBSCRIBED.value,
        FanEventKind.SAVED.value,
        [
            {
                "id": "release-live",
                "type": "wait",
                "event": FanEventKind.RELEASE_LIVE.value,
                "timeout_s": RELEASE_LIVE_TIMEOUT_S,
            },
            {"id": "its-out", "type": "email", "template": ids[ITS_OUT]},
            {"id": "wait-2d", "type": "wait", "duration_s": 2 * DAY_S},
            {
                "id": "not-saved",
                "type": "condition",
                "check": "in_library",
                "negate": True,
                "if_false": "exit",
            },
            {"id": "save-prompt", "type": "email", "template": ids[SAVE_PROMPT]},
        ],
    )


def _forever_save(ids: dict[str, Any]) -> Starter:
    return Starter(
        "Forever-save welcome",
        FanEventKind.FOREVER_SAVE_OPTIN.value,
        "",
        [
            {"id": "welcome", "type": "email", "template": None},
            {"id": "forever-tag", "type": "tag", "tag": "forever-save"},
            {"id": "wait-1d", "type": "wait", "duration_s": DAY_S},
            *follow_prompt_steps(ids[FOLLOW_PROMPT]),
        ],
    )


def _lapsed(ids: dict[str, Any]) -> Starter:
    return Starter(
        "Re-engage lapsed fans",
        FanEventKind.RELEASE_LIVE.value,
        FanEventKind.SAVED.value,
        [
            {"id": "wait-7d", "type": "wait", "duration_s": 7 * DAY_S},
            {
                "id": "lapsed",
                "type": "condition",
                "check": "acted_since_release",
                "negate": True,
                "if_false": "exit",
            },
            {"id": "reminder", "type": "email", "template": ids[TRACK_PROMPT]},
            {"id": "wait-3d", "type": "wait", "duration_s": 3 * DAY_S},
            {
                "id": "still-not-saved",
                "type": "condition",
                "check": "in_library",
                "negate": True,
                "if_false": "exit",
            },
            {"id": "save-prompt", "type": "email", "template": ids[SAVE_PROMPT]},
        ],
    )


STARTERS = {
    "progression": _progression,
    "notify_me": _notify_me,
    "forever_save": _forever_save,
    "lapsed": _lapsed,
}
STARTER_LABELS = {
    "progression": "Pre-save to follower (the default progression)",
    "notify_me": "Notify me to release",
    "forever_save": "Forever-save welcome",
    "lapsed": "Re-engage lapsed fans",
}


def starter(key: str, workspace: Workspace) -> Starter | None:
    """The starter ``key`` filled with the workspace's default templates, or None."""
    build = STARTERS.get(key)
    if build is None:
        return None
    by_name = dict(
        EmailTemplate.objects.filter(
            workspace=workspace, name__in=[t["name"] for t in DEFAULT_TEMPLATES.values()]
        ).values_list("name", "pk")
    )
    ids = {key: by_name.get(values["name"]) for key, values in DEFAULT_TEMPLATES.items()}
    return build(ids)
