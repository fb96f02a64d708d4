"""The step language of growth flows: types, validation and readable descriptions.

A flow version's ``steps`` is a list of JSON objects, each with a unique ``id`` and a
``type`` (see ``fanloop.flows.models`` for examples). The engine runs them in order:

- ``wait``: exactly one of ``duration_s`` (seconds), ``until_time`` ("HH:MM", the next such
  time in the fan's time zone) or ``event`` (a fan event kind) with ``timeout_s`` (the
  journey goes on when the event happens or when the timeout passes, whichever is first).
  Every duration and timeout is multiplied by ``WAIT_SCALE``.
- ``condition``: ``check`` (one of ``CONDITION_CHECKS``), ``value`` where the check needs
  one, ``negate`` (bool) and ``if_false``: ``"exit"`` (leave the flow, the default),
  ``"next"`` (skip only the step right after the condition and go on) or
  ``{"goto": "<id of a later step>"}``. Jumps go forward only, so a flow always ends.
- ``email`` (``template``: an EmailTemplate id of the workspace), ``tag`` (``tag``),
  ``api_save``, ``api_follow`` (only where the fan consented and granted the scope) and
  ``webhook`` (``url``: http or https).

``validate_steps`` returns a normalized copy (ids filled in, unknown fields refused) or
raises a ``ValidationError`` whose messages name the step ("Step 3: ...").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from fanloop.analytics.models import FanEventKind
from fanloop.fans.models import ConsentKind
from fanloop.flows.conditions import top_percent
from fanloop.flows.models import Segment
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms.registry import PLATFORMS

if TYPE_CHECKING:
    from fanloop.accounts.models import Workspace

STEP_TYPES: dict[str, str] = {
    "wait": "Wait",
    "condition": "Condition",
    "email": "Send email",
    "tag": "Add tag",
    "api_save": "Save the release for the fan",
    "api_follow": "Follow the artist for the fan",
    "webhook": "Call a webhook",
}

CONDITION_CHECKS: dict[str, str] = {
    "has_saved": "has saved the release (verified)",
    "is_following": "is following the artist",
    "engagement_at_least": "has an engagement score of at least",
    "did": "did",
    "acted_since_release": "did something since the release (a click, save or follow)",
    "in_library": "has the release in their library",
    "can_do": "uses a platform that can",
    "platform": "uses the platform",
    "country": "is in the country",
    "consent": "has given consent to",
    "segment": "is in the segment",
    "in_segment": "is in the saved segment",
}

# Fan event kinds that can start a flow.
TRIGGERS: dict[str, str] = {
    kind.value: kind.label
    for kind in (
        FanEventKind.PRESAVED,
        FanEventKind.DELIVERY_SUCCEEDED,
        FanEventKind.RELEASE_LIVE,
        FanEventKind.EMAIL_SUBSCRIBED,
        FanEventKind.SAVED,
        FanEventKind.FOLLOWED,
        FanEventKind.FOREVER_SAVE_OPTIN,
        FanEventKind.NEW_RELEASE_DETECTED,
        FanEventKind.JOINED_SEGMENT,
    )
}
# Any fan event can end a wait or be a goal, except the ones that end every journey anyway.
WAIT_EVENTS: dict[str, str] = {
    kind.value: kind.label for kind in FanEventKind if kind != FanEventKind.UNSUBSCRIBED
}
GOALS: dict[str, str] = WAIT_EVENTS

# Checks that need a ``value``, and what the value is.
VALUE_CHECKS = {
    "engagement_at_least",
    "platform",
    "country",
    "consent",
    "segment",
    "in_segment",
    "did",
    "can_do",
}
# ``did``: a fan event kind, optionally ``:fanloop`` or ``:any`` (default: the fan's own).
DID_ACTORS = ("fan", "fanloop", "any")
CAPABILITIES = {"save": "save", "follow": "follow the artist", "save_track": "save a track"}
IF_FALSE_CHOICES = ("exit", "next")

MAX_STEPS = 50
MAX_WAIT_S = 400 * 86400
MAX_ENGAGEMENT = 1_000_000
TAG_MAX_LENGTH = 60
URL_MAX_LENGTH = 500
# Multiplies every wait and timeout of every flow, and the verification checkpoints. 1.0
# outside the demo, which sets it small through FANLOOP_TUNING so days pass in minutes.
WAIT_SCALE = 1.0
_STEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

_FIELDS: dict[str, set[str]] = {
    "wait": {"duration_s", "until_time", "event", "timeout_s"},
    "condition": {"check", "value", "negate", "if_false"},
    "email": {"template"},
    "tag": {"tag"},
    "api_save": set(),
    "api_follow": set(),
    "webhook": {"url"},
}
ID_PREFIX = {
    "wait": "wait",
    "condition": "if",
    "email": "email",
    "tag": "tag",
    "api_save": "save",
    "api_follow": "follow",
    "webhook": "hook",
}


class StepError(ValueError):
    """One problem with one step (turned into "Step n: ..." by ``validate_steps``)."""


def validate_steps(steps: list[dict[str, Any]], *, workspace: Workspace) -> list[dict[str, Any]]:
    """A normalized copy of ``steps``, or ValidationError listing every problem by step."""
    if not isinstance(steps, list):
        raise ValidationError("Steps must be a list.")
    if len(steps) > MAX_STEPS:
        raise ValidationError(f"A flow has at most {MAX_STEPS} steps.")
    errors: list[str] = []
    normalized: list[dict[str, Any]] = []
    for number, raw in enumerate(steps, start=1):
        try:
            normalized.append(_normalize(raw))
        except StepError as exc:
            errors.append(f"Step {number}: {exc}")
            normalized.append({})
    if errors:
        raise ValidationError(errors)
    _assign_ids(normalized)
    errors = _check_ids_and_jumps(normalized)
    errors += _check_templates(normalized, workspace)
    errors += _check_segments(normalized, workspace)
    if errors:
        raise ValidationError(errors)
    return normalized


def describe_step(
    step: Mapping[str, Any], *, templates: Mapping[int, EmailTemplate] | None = None
) -> str:
    """One readable line, e.g. "Wait 2 days" or "Send email “It's out”"."""
    kind = step.get("type")
    if kind == "wait":
        return _describe_wait(step)
    if kind == "condition":
        return _describe_condition(step)
    if kind == "email":
        template_id = step.get("template")
        template = (templates or {}).get(template_id) if isinstance(template_id, int) else None
        name = template.name if template is not None else f"#{step.get('template')}"
        return f"Send email “{name}”"
    if kind == "tag":
        return f"Add the tag “{step.get('tag')}”"
    if kind == "api_save":
        return "Save the release to the fan's library (where the fan allowed it)"
    if kind == "api_follow":
        return "Follow the artist for the fan (where the fan allowed it)"
    if kind == "webhook":
        return f"Call the webhook {step.get('url')}"
    return f"Unknown step {kind!r}"


def describe_trigger(trigger: str) -> str:
    return f"When a fan: {TRIGGERS.get(trigger, WAIT_EVENTS.get(trigger, trigger)).lower()}"


def format_duration(seconds: int) -> str:
    """ "2 days", "1 day 6 hours", "90 seconds": the two largest units."""
    if seconds <= 0:
        return "0 seconds"
    parts: list[str] = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts[:2])


def _describe_wait(step: Mapping[str, Any]) -> str:
    if "duration_s" in step:
        return f"Wait {format_duration(int(step['duration_s']))}"
    if "until_time" in step:
        return f"Wait until {step['until_time']} in the fan's time zone"
    event = WAIT_EVENTS.get(str(step.get("event")), str(step.get("event")))
    timeout = format_duration(int(step.get("timeout_s", 0)))
    return f"Wait until: {event.lower()} (at most {timeout})"


def _describe_condition(step: Mapping[str, Any]) -> str:
    check = str(step.get("check"))
    label = CONDITION_CHECKS.get(check, check)
    if step.get("negate"):
        label = _negated(check, label)
    value = step.get("value")
    if check == "platform":
        label += f" {PLATFORMS[value][0] if value in PLATFORMS else value}"
    elif check == "consent":
        consent = ConsentKind(value).label.lower() if value in ConsentKind.values else value
        label += f" “{consent}”"
    elif check == "segment":
        label += f" “{value}”"
    elif check == "did":
        kind, _, who = str(value).partition(":")
        what = WAIT_EVENTS.get(kind, kind).lower()
        by = {"fanloop": " (done by fanloop)", "any": " (by anyone)"}.get(who, "")
        label += f" “{what}”{by}"
    elif check == "can_do":
        label += f" {CAPABILITIES.get(str(value), value)}"
    elif check == "engagement_at_least" and isinstance(value, str):
        label = label.replace("of at least", "in the") + f" {value} of this release's fans"
    elif value is not None:
        label += f" {value}"
    if_false = step.get("if_false", "exit")
    if if_false == "next":
        otherwise = "otherwise skip the next step"
    elif isinstance(if_false, dict):
        otherwise = f"otherwise jump to step “{if_false.get('goto')}”"
    else:
        otherwise = "otherwise leave the flow"
    return f"Only if the fan {label}; {otherwise}"


def _negated(check: str, label: str) -> str:
    for positive, negative in (
        ("has saved", "has not saved"),
        ("is following", "is not following"),
        ("has an engagement score of at least", "has an engagement score below"),
        ("uses the platform", "does not use the platform"),
        ("is in the country", "is not in the country"),
        ("has given consent to", "has not given consent to"),
        ("is in the segment", "is not in the segment"),
        ("is in the saved segment", "is not in the saved segment"),
        ("did something since the release", "did nothing since the release"),
        ("did", "did not"),
        ("has the release in their library", "does not have the release in their library"),
        ("uses a platform that can", "uses no platform that can"),
    ):
        if label.startswith(positive):
            return negative + label[len(positive) :]
    return f"does not meet “{check}”"


def _normalize(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise StepError("a step must be an object.")
    kind = raw.get("type")
    if kind not in STEP_TYPES:
        raise StepError(f"unknown step type {kind!r}.")
    unknown = set(raw) - _FIELDS[kind] - {"id", "type"}
    if unknown:
        raise StepError(f"unknown field(s) {', '.join(sorted(unknown))} for a {kind} step.")
    step: dict[str, Any] = {"type": kind}
    step_id = raw.get("id")
    if step_id not in (None, ""):
        if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
            raise StepError("an id is 1 to 40 letters, digits, '-' or '_'.")
        step["id"] = step_id
    step.update(_NORMALIZERS[kind](raw))
    return step


def _positive_seconds(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise StepError(f"{field} must be a number of seconds.")
    try:
        seconds = int(raw)
    except ValueError:
        raise StepError(f"{field} must be a number of seconds.") from None
    if seconds <= 0:
        raise StepError(f"{field} must be more than 0 seconds.")
    if seconds > MAX_WAIT_S:
        raise StepError(f"{field} can be at most {MAX_WAIT_S // 86400} days.")
    return seconds


def _wait(raw: dict[str, Any]) -> dict[str, Any]:
    modes = [name for name in ("duration_s", "until_time", "event") if raw.get(name) is not None]
    if len(modes) != 1:
        raise StepError("a wait needs exactly one of a duration, a time of day or an event.")
    if "timeout_s" in raw and modes != ["event"]:
        raise StepError("only a wait for an event has a timeout.")
    mode = modes[0]
    if mode == "duration_s":
        return {"duration_s": _positive_seconds(raw["duration_s"], "the duration")}
    if mode == "until_time":
        match = _TIME_OF_DAY.match(str(raw["until_time"]).strip())
        if not match:
            raise StepError("the time of day must look like 09:30 (00:00 to 23:59).")
        return {"until_time": f"{int(match[1]):02d}:{match[2]}"}
    event = raw["event"]
    if event not in WAIT_EVENTS:
        raise StepError(f"unknown event {event!r} to wait for.")
    if raw.get("timeout_s") is None:
        raise StepError("a wait for an event needs a timeout.")
    return {"event": event, "timeout_s": _positive_seconds(raw["timeout_s"], "the timeout")}


def _condition(raw: dict[str, Any]) -> dict[str, Any]:
    check = raw.get("check")
    if check not in CONDITION_CHECKS:
        raise StepError(f"unknown condition {check!r}.")
    step: dict[str, Any] = {"check": check}
    if check in VALUE_CHECKS:
        step["value"] = _condition_value(check, raw.get("value"))
    elif raw.get("value") not in (None, ""):
        raise StepError(f"the condition {check!r} takes no value.")
    negate = raw.get("negate", False)
    if not isinstance(negate, bool):
        raise StepError("negate must be true or false.")
    step["negate"] = negate
    if_false = raw.get("if_false", "exit")
    if isinstance(if_false, dict):
        if set(if_false) != {"goto"} or not isinstance(if_false["goto"], str):
            raise StepError('if_false must be "exit", "next" or {"goto": "<step id>"}.')
        step["if_false"] = {"goto": if_false["goto"]}
    elif if_false in IF_FALSE_CHOICES:
        step["if_false"] = if_false
    else:
        raise StepError('if_false must be "exit", "next" or {"goto": "<step id>"}.')
    return step


def _condition_value(check: str, value: Any) -> Any:
    if value is None or value == "":
        raise StepError(f"the condition {check!r} needs a value.")
    if check == "engagement_at_least":
        percent = top_percent(value) if isinstance(value, str) else None
        if percent is not None:
            if not 1 <= percent <= 100:
                raise StepError("the top share must be between 1 % and 100 %.")
            return f"top {percent}%"
        if isinstance(value, bool):
            raise StepError(
                'the engagement score must be a whole number or a share such as "top 30%".'
            )
        try:
            score = int(value)
        except (TypeError, ValueError):
            raise StepError(
                'the engagement score must be a whole number or a share such as "top 30%".'
            ) from None
        if not 0 <= score <= MAX_ENGAGEMENT:
            raise StepError(f"the engagement score must be between 0 and {MAX_ENGAGEMENT}.")
        return score
    text = str(value).strip()
    if check == "did":
        kind, _, who = text.partition(":")
        if kind not in FanEventKind.values:
            raise StepError(f"unknown event {kind!r} for “did”.")
        if who and who not in DID_ACTORS:
            raise StepError(f"“did” takes {kind}, {kind}:fanloop or {kind}:any.")
        return kind if who in ("", "fan") else f"{kind}:{who}"
    if check == "can_do":
        if text not in CAPABILITIES:
            raise StepError(f"unknown capability {text!r} (one of {', '.join(CAPABILITIES)}).")
        return text
    if check == "platform":
        if text not in PLATFORMS:
            raise StepError(f"unknown platform {text!r} (one of {', '.join(PLATFORMS)}).")
        return text
    if check == "country":
        if not _COUNTRY.match(text):
            raise StepError("a country is a two-letter code such as GB.")
        return text.upper()
    if check == "in_segment":
        if not text.isdigit() or not 0 < int(text) < 2**62:
            raise StepError("a saved segment is named by its id.")
        return int(text)
    if check == "consent":
        if text not in ConsentKind.values:
            raise StepError(f"unknown consent {text!r} (one of {', '.join(ConsentKind.values)}).")
        return text
    return _tag(text)


def _tag(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise StepError("a tag cannot be empty.")
    if len(text) > TAG_MAX_LENGTH:
        raise StepError(f"a tag has at most {TAG_MAX_LENGTH} characters.")
    return text


def _email(raw: dict[str, Any]) -> dict[str, Any]:
    template = raw.get("template")
    if isinstance(template, bool):
        template = None
    try:
        template_id = int(template)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StepError("choose an email template.") from None
    return {"template": template_id}


def _webhook(raw: dict[str, Any]) -> dict[str, Any]:
    url = str(raw.get("url") or "").strip()
    if not url:
        raise StepError("a webhook needs a URL.")
    if len(url) > URL_MAX_LENGTH:
        raise StepError(f"a webhook URL has at most {URL_MAX_LENGTH} characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StepError("a webhook URL must start with https:// (or http://) and name a host.")
    if parts.username or parts.password:
        raise StepError("a webhook URL cannot hold a user name or password.")
    return {"url": url}


_NORMALIZERS = {
    "wait": _wait,
    "condition": _condition,
    "email": _email,
    "tag": lambda raw: {"tag": _tag(raw.get("tag"))},
    "api_save": lambda raw: {},
    "api_follow": lambda raw: {},
    "webhook": _webhook,
}


def assign_ids(items: list[dict[str, Any]], *, has_id: Callable[[dict[str, Any]], bool]) -> None:
    """Give each item (step or editor row) for which ``has_id`` is false an ``id`` from its
    type's prefix and the first free number ("wait1", "if2"), used by no other item."""
    taken = {str(item["id"]) for item in items if has_id(item)}
    counters: dict[str, int] = {}
    for item in items:
        if has_id(item):
            continue
        prefix = ID_PREFIX[item["type"]]
        while True:
            counters[prefix] = counters.get(prefix, 0) + 1
            candidate = f"{prefix}{counters[prefix]}"
            if candidate not in taken:
                break
        item["id"] = candidate
        taken.add(candidate)


def _assign_ids(steps: list[dict[str, Any]]) -> None:
    """Give steps without an id a readable one ("wait1", "email2") not used elsewhere."""
    assign_ids(steps, has_id=lambda step: "id" in step)
    # Keep "id" first and "type" second for readable JSON.
    for index, step in enumerate(steps):
        steps[index] = {"id": step.pop("id"), "type": step.pop("type"), **step}


def _check_ids_and_jumps(steps: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    positions: dict[str, int] = {}
    for number, step in enumerate(steps, start=1):
        positions.setdefault(step["id"], number)
    for number, step in enumerate(steps, start=1):
        first = positions[step["id"]]
        if first != number:
            errors.append(f"Step {number}: the id {step['id']!r} is used by step {first} too.")
        if_false = step.get("if_false")
        if step["type"] == "condition" and if_false == "next" and number == len(steps):
            errors.append(f"Step {number}: there is no next step to skip; use exit.")
        if isinstance(if_false, dict):
            target = positions.get(if_false["goto"])
            if target is None:
                errors.append(f"Step {number}: no step has the id {if_false['goto']!r}.")
            elif target <= number:
                errors.append(f"Step {number}: a jump can only go to a later step.")
    return errors


def _check_templates(steps: list[dict[str, Any]], workspace: Workspace) -> list[str]:

    wanted = {step["template"] for step in steps if step["type"] == "email"}
    if not wanted:
        return []
    found = set(
        EmailTemplate.objects.filter(workspace=workspace, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    return [
        f"Step {number}: choose an email template of this workspace."
        for number, step in enumerate(steps, start=1)
        if step["type"] == "email" and step["template"] not in found
    ]


def _check_segments(steps: list[dict[str, Any]], workspace: Workspace) -> list[str]:
    wanted = {
        step["value"]
        for step in steps
        if step["type"] == "condition" and step["check"] == "in_segment"
    }
    if not wanted:
        return []
    found = set(
        Segment.objects.filter(workspace=workspace, pk__in=wanted).values_list("pk", flat=True)
    )
    return [
        f"Step {number}: choose a saved segment of this workspace."
        for number, step in enumerate(steps, start=1)
        if step["type"] == "condition"
        and step["check"] == "in_segment"
        and step["value"] not in found
    ]


def step_index(steps: list[dict[str, Any]], step_id: str) -> int | None:
    """The position of the step with ``step_id``, or None."""
    for index, step in enumerate(steps):
        if step.get("id") == step_id:
            return index
    return None
