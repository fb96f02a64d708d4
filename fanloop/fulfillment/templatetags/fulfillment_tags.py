"""The filters the delivery templates use to show states and durations (the panels other
apps' pages show are in ``fulfillment/panels.py``)."""

from __future__ import annotations

from django import template

from fanloop.fulfillment.progress import (
    format_duration,
    platform_label,
)

register = template.Library()

# Badge classes of app.css per delivery state, detection status and wave status.
BADGES: dict[str, str] = {
    "delivered": "ok",
    "live": "ok",
    "done": "ok",
    "pending": "pending",
    "sending": "pending",
    "detecting": "pending",
    "delivering": "pending",
    "failed": "failed",
    "not_found": "failed",
    "needs_reconnect": "expired",
}


@register.filter
def badge(status: str) -> str:
    """The badge class for a delivery state or detection status ("" = neutral)."""
    return BADGES.get(status, "")


@register.filter
def duration(seconds: int | None) -> str:
    return format_duration(seconds)


@register.filter
def platform_name(key: str) -> str:
    return platform_label(key)
