"""The growth-flow mistakes the editor warns about (PRODUCT.md, "what not to do"):

1. a pre-save trigger with no follow-up (no email or action after it),
2. a listen step (an "it's out" email with listen links and no save link) with no save
   prompt after it,
3. a follow prompt (an email with the follow link, or an API follow) with no engagement
   condition before it (``engagement_at_least``, ``acted_since_release``, ``did``,
   ``has_saved`` or ``in_library`` not negated),
4. a follow prompt whose only engagement conditions rely on what fanloop did for the fan
   where a fan action is meant: ``did`` counting fanloop's actions (``saved:fanloop``,
   ``saved:any``), ``in_library``, or ``has_saved`` in a flow started by a pre-save or a
   fanloop's own delivery (the save there is fanloop's release-day save).

Emails are classified by the variables their template uses (``listen_links``,
``save_url``, ``track_links``, ``follow_url``), so copy edited in the dashboard keeps its
classification.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fanloop.analytics.models import FanEventKind
from fanloop.messaging.models import EmailTemplate

FOLLOW_UP_TYPES = frozenset({"email", "api_save", "api_follow", "webhook"})
ENGAGEMENT_CHECKS = frozenset(
    {"engagement_at_least", "has_saved", "acted_since_release", "did", "in_library"}
)
# Triggers where a save of the release was made by fanloop, not the fan.
FANLOOP_SAVE_TRIGGERS = frozenset(
    {
        FanEventKind.PRESAVED,
        FanEventKind.DELIVERY_SUCCEEDED,
        FanEventKind.RELEASE_LIVE,
        FanEventKind.NEW_RELEASE_DETECTED,
    }
)


@dataclass(frozen=True)
class FlowWarning:
    # "presave_no_follow_up", "listen_no_save_prompt", "follow_before_engagement",
    # "fanloop_act_as_engagement"
    code: str
    message: str
    step_id: str = ""


def _uses(template: EmailTemplate | None, name: str) -> bool:
    if template is None:
        return False
    pattern = re.compile(r"\b" + re.escape(name) + r"\b")
    return any(pattern.search(part or "") for part in (template.text_body, template.html_body))


def _template(step: Mapping[str, Any], templates: Mapping[int, EmailTemplate]) -> Any:
    template_id = step.get("template")
    return templates.get(template_id) if isinstance(template_id, int) else None


def is_save_prompt(step: Mapping[str, Any], templates: Mapping[int, EmailTemplate]) -> bool:
    if step.get("type") == "api_save":
        return True
    template = _template(step, templates)
    return step.get("type") == "email" and (
        _uses(template, "save_url") or _uses(template, "track_links")
    )


def is_follow_prompt(step: Mapping[str, Any], templates: Mapping[int, EmailTemplate]) -> bool:
    if step.get("type") == "api_follow":
        return True
    return step.get("type") == "email" and _uses(_template(step, templates), "follow_url")


def is_listen_step(step: Mapping[str, Any], templates: Mapping[int, EmailTemplate]) -> bool:
    if step.get("type") != "email":
        return False
    template = _template(step, templates)
    return (
        _uses(template, "listen_links")
        and not _uses(template, "save_url")
        and not _uses(template, "track_links")
    )


def is_engagement_condition(step: Mapping[str, Any]) -> bool:
    if step.get("type") != "condition" or step.get("check") not in ENGAGEMENT_CHECKS:
        return False
    # "has not saved" selects the fans who did not engage: it is no proof of engagement.
    return step.get("check") == "engagement_at_least" or not step.get("negate")


def relies_on_fanloop(step: Mapping[str, Any], trigger: str) -> bool:
    """An engagement condition that is true because of what fanloop did for the fan."""
    check = step.get("check")
    if check == "in_library":
        return True
    if check == "has_saved":
        return trigger in FANLOOP_SAVE_TRIGGERS
    if check == "did":
        who = str(step.get("value", "")).partition(":")[2]
        return who in ("fanloop", "any")
    return False


def flow_warnings(
    trigger: str, steps: list[dict[str, Any]], templates: Mapping[int, EmailTemplate]
) -> list[FlowWarning]:
    """The warnings for one flow definition (empty when it avoids the three mistakes)."""
    found: list[FlowWarning] = []
    if trigger == FanEventKind.PRESAVED and not any(
        s.get("type") in FOLLOW_UP_TYPES for s in steps
    ):
        found.append(
            FlowWarning(
                "presave_no_follow_up",
                "This flow starts with a pre-save but never follows up: add an email or an "
                "action, or fans hear nothing after pre-saving.",
            )
        )
    for index, step in enumerate(steps):
        if is_listen_step(step, templates) and not any(
            is_save_prompt(later, templates) for later in steps[index + 1 :]
        ):
            found.append(
                FlowWarning(
                    "listen_no_save_prompt",
                    f"Step {index + 1} asks fans to listen but no save prompt follows: "
                    "streams without saves leave no lasting signal.",
                    str(step.get("id", "")),
                )
            )
    for index, step in enumerate(steps):
        if is_follow_prompt(step, templates) and not any(
            is_engagement_condition(earlier) for earlier in steps[:index]
        ):
            found.append(
                FlowWarning(
                    "follow_before_engagement",
                    f"Step {index + 1} asks for a follow before checking engagement: add "
                    "an engagement or has-saved condition before it.",
                    str(step.get("id", "")),
                )
            )
        elif is_follow_prompt(step, templates):
            gates = [s for s in steps[:index] if is_engagement_condition(s)]
            fan_gates = [s for s in gates if not relies_on_fanloop(s, trigger)]
            if not fan_gates:
                found.append(
                    FlowWarning(
                        "fanloop_act_as_engagement",
                        f"Step {index + 1} asks for a follow on the strength of what fanloop "
                        "did for the fan (a release-day save, a delivery), not of anything "
                        "the fan did: check a fan action first, such as “did something "
                        "since the release” or the engagement score.",
                        str(step.get("id", "")),
                    )
                )
    return found


def templates_for(
    workspace_id: int, steps: Iterable[Mapping[str, Any]]
) -> dict[int, EmailTemplate]:
    """The workspace's email templates the steps name, by id (one query)."""
    ids = {s["template"] for s in steps if isinstance(s.get("template"), int)}
    if not ids:
        return {}
    rows = EmailTemplate.objects.filter(workspace_id=workspace_id, pk__in=ids)
    return {t.pk: t for t in rows}
