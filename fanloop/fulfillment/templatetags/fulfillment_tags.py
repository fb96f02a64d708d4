"""Delivery panels embedded in other apps' pages (fan view, release page), and the filters
the delivery templates use to show states and durations."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from fanloop.accounts.models import Role
from fanloop.catalog.share_links import EXAMPLES
from fanloop.fulfillment.progress import (
    deliveries_of_fan,
    format_duration,
    platform_label,
    release_progress,
)

register = template.Library()

FAN_DELIVERY_LIMIT = 50
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


def _can_edit(context: template.Context) -> bool:
    membership = context.get("membership")
    return bool(membership and membership.can(Role.EDITOR))


@register.simple_tag(takes_context=True)
def fan_deliveries(context: template.Context, fan: Any) -> SafeString:
    """Per release and platform: what release day did for this fan, with the reason."""
    deliveries = deliveries_of_fan(fan)
    html = get_template("fulfillment/_fan_deliveries.html").render(
        {
            "fan": fan,
            "deliveries": deliveries[:FAN_DELIVERY_LIMIT],
            "delivery_count": deliveries.count(),
            "limit": FAN_DELIVERY_LIMIT,
            "workspace": context.get("workspace"),
        },
        context.get("request"),
    )
    return mark_safe(html)  # rendered by an autoescaping template


@register.simple_tag(takes_context=True)
def release_delivery(context: template.Context, release: Any) -> SafeString:
    """The release page's delivery panel: detection per platform, UPC warnings, the manual
    override form and a summary linking to the live progress page."""
    workspace = release.artist.workspace
    kwargs = {"ws": workspace.slug, "pk": release.pk}
    progress = release_progress(release)
    can_edit = _can_edit(context)
    html = get_template("fulfillment/_release_panel.html").render(
        {
            "release": release,
            "progress": progress,
            "rows": [(row, EXAMPLES[(row.platform, "album")]) for row in progress.platforms],
            "can_edit": can_edit,
            "workspace": workspace,
            "progress_url": reverse("fulfillment:progress", kwargs=kwargs),
        },
        context.get("request"),
    )
    return mark_safe(html)  # rendered by an autoescaping template
