"""Flow panels embedded in other apps' pages (fan view)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def fan_engagement(context: dict[str, Any], fan: Any) -> str:
    """Engagement scores and journeys on the fan view (filled by the flows work)."""
    return ""
