"""Form data of the flow editor, as a browser without JS would post it."""

from __future__ import annotations

from typing import Any


def editor_post(steps: list[dict[str, Any]], op: str = "save", **flow: Any) -> dict[str, Any]:
    """POST data: the flow's fields, then one step form per dict (fields by name)."""
    data: dict[str, Any] = {
        "name": "Progression",
        "description": "",
        "artist": "",
        "trigger": "presaved",
        "trigger_release": "",
        "goal": "followed",
        "op": op,
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
        **flow,
    }
    for index, step in enumerate(steps):
        for name, value in step.items():
            if value is True:
                value = "on"
            data[f"steps-{index}-{name}"] = value
    return data
