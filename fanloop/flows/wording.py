"""The flow editor's plain language: each condition in a positive and a negative phrasing
(chosen from one select, so no "Negate" double negative), and one summary sentence per
step ("Only fans who have not saved the release; the others leave the flow").

The stored definition stays ``check`` + ``negate`` (see ``fanloop.flows.steps``); the
editor's select posts ``check`` or ``not:check``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fanloop.fans.models import ConsentKind
from fanloop.flows.conditions import top_percent
from fanloop.flows.steps import (
    CAPABILITIES,
    VALUE_CHECKS,
    WAIT_EVENTS,
    describe_step,
    format_duration,
)
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms.registry import PLATFORMS

NEGATIVE = "not:"
# check → (positive, negative) phrasing after "Only fans who".
PHRASES: dict[str, tuple[str, str]] = {
    "has_saved": (
        "have saved the release (verified)",
        "have not saved the release (verified)",
    ),
    "in_library": (
        "have the release in their library",
        "do not have the release in their library",
    ),
    "is_following": ("follow the artist", "do not follow the artist yet"),
    "acted_since_release": (
        "did something since the release (a click, save or follow)",
        "did nothing since the release",
    ),
    "engagement_at_least": (
        "are among the most engaged (a share such as “top 30%”, or a score)",
        "are less engaged than that (a share such as “top 30%”, or a score)",
    ),
    "did": ("did something (an event, below)", "did not do something (an event, below)"),
    "can_do": (
        "use a platform that can (save, follow, save_track)",
        "use no platform that can (save, follow, save_track)",
    ),
    "platform": ("use the platform (below)", "do not use the platform (below)"),
    "country": ("are in the country (below)", "are not in the country (below)"),
    "consent": ("have given the consent (below)", "have not given the consent (below)"),
    "segment": ("have the tag (below)", "do not have the tag (below)"),
    "in_segment": ("are in the saved segment (below)", "are not in the saved segment (below)"),
}
# check → (label, help) of the value field, for the conditions that take a value.
VALUE_FIELDS: dict[str, tuple[str, str]] = {
    "engagement_at_least": ("How engaged", "A share such as “top 30%”, or a score such as 5."),
    "did": ("What the fan did", "An event such as saved; saved:fanloop counts fanloop's act."),
    "can_do": ("Can", "save, follow or save_track."),
    "platform": ("Platform", ", ".join(PLATFORMS) + "."),
    "country": ("Country", "A two-letter code such as GB."),
    "consent": ("Consent", ", ".join(ConsentKind.values) + "."),
    "segment": ("Tag", "A tag the fan has."),
    "in_segment": ("Saved segment number", "The number in the segment's address."),
}
# The conditions whose value is one of a few: chosen from a select in plain words.
VALUE_CHOICES: dict[str, list[tuple[str, str]]] = {
    "can_do": list(CAPABILITIES.items()),
    "platform": [(key, label) for key, (label, _) in PLATFORMS.items()],
    "consent": [(str(value), str(label).lower()) for value, label in ConsentKind.choices],
}
OTHERS = {
    "exit": "the others leave the flow",
    "next": "the others skip the next step",
}


def condition_choices() -> list[tuple[str, str]]:
    """The select of conditions: each check in its positive, then its negative phrasing."""
    choices = [("", "Choose who goes on")]
    for check, (positive, negative) in PHRASES.items():
        choices.append((check, f"Only fans who {positive}"))
        choices.append((NEGATIVE + check, f"Only fans who {negative}"))
    return choices


def split_check(value: Any) -> tuple[str, bool]:
    """(check, negate) of the select's value."""
    text = str(value or "")
    if text.startswith(NEGATIVE):
        return text[len(NEGATIVE) :], True
    return text, False


def join_check(check: Any, negate: bool) -> str:
    return f"{NEGATIVE if negate and check else ''}{check or ''}"


def _who(step: Mapping[str, Any]) -> str:
    check = str(step.get("check") or "")
    negate = bool(step.get("negate"))
    value = step.get("value")
    if check == "engagement_at_least" and value not in (None, ""):
        percent = top_percent(value)
        if percent is not None:
            if negate:
                return f"Only fans outside the top {percent} % most engaged"
            return f"Only the top {percent} % most engaged fans"
        score = value
        return f"Only fans with an engagement score {'below' if negate else 'of at least'} {score}"
    if check not in PHRASES:
        return "Only fans who … (choose a condition)"
    phrase = PHRASES[check][negate].split(" (")[0]
    shown = value
    if check == "platform":
        shown = PLATFORMS[value][0] if value in PLATFORMS else value
    elif check == "consent" and value in ConsentKind.values:
        shown = ConsentKind(value).label.lower()
    elif check == "did" and value:
        kind, _, who = str(value).partition(":")
        shown = WAIT_EVENTS.get(kind, kind).lower()
        shown += {"fanloop": " (done by fanloop)", "any": " (by anyone)"}.get(who, "")
    elif check == "can_do" and value:
        shown = CAPABILITIES.get(str(value), value)
    elif check == "in_segment" and value:
        shown = f"#{value}"
    # A check whose value reads after its phrase (the engagement share is in the phrase).
    if shown in (None, "") or check not in VALUE_CHECKS - {"engagement_at_least"}:
        return f"Only fans who {phrase}"
    return f"Only fans who {phrase} {shown}"


def summary(
    step: Mapping[str, Any],
    *,
    templates: Mapping[int, EmailTemplate] | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """One plain sentence of a (possibly unfinished) step; ``names``: step id → its name
    as the editor shows it, for jumps."""
    kind = step.get("type")
    if kind == "condition":
        if_false = step.get("if_false", "exit")
        if isinstance(if_false, dict):
            target = str(if_false.get("goto") or "")
            others = (
                f"the others jump to {(names or {}).get(target, target)}"
                if target
                else "the others jump to … (choose a step)"
            )
        else:
            others = OTHERS.get(str(if_false), OTHERS["exit"])
        return f"{_who(step)}; {others}."
    if kind == "wait":
        if step.get("duration_s"):
            return f"Wait {format_duration(int(step['duration_s']))}."
        if step.get("until_time"):
            return f"Wait until {step['until_time']} in the fan's time zone."
        if step.get("event"):
            event = WAIT_EVENTS.get(str(step["event"]), str(step["event"])).lower()
            if step.get("timeout_s"):
                return f"Wait until: {event} (at most {format_duration(int(step['timeout_s']))})."
            return f"Wait until: {event} (choose the longest wait)."
        return "Wait … (choose how long)."
    if kind == "email" and not step.get("template"):
        return "Send an email … (choose a template)."
    if kind == "tag" and not step.get("tag"):
        return "Add a tag … (type it)."
    if kind == "webhook" and not step.get("url"):
        return "Call a webhook … (type its URL)."
    return describe_step(step, templates=templates) + "."
