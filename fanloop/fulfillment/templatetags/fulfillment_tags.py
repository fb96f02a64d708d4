"""Delivery panels embedded in other apps' pages (fan view, release page)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def fan_deliveries(context: dict[str, Any], fan: Any) -> str:
    """Per-fan delivery status on the fan view (filled by the delivery UI work)."""
    return ""


@register.simple_tag(takes_context=True)
def release_delivery(context: dict[str, Any], release: Any) -> str:
    """The delivery panel on the release page (filled by the delivery UI work)."""
    return ""
