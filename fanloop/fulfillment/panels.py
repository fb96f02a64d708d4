"""The delivery panels of other apps' pages: the fan view's deliveries and the release page's
delivery panel, registered in ``FulfillmentConfig.ready`` (``fanloop/lib/panels.py``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from fanloop.accounts.models import Role
from fanloop.catalog.links import EXAMPLES
from fanloop.fulfillment.progress import deliveries_of_fan, release_progress
from fanloop.lib import panels

FAN_DELIVERY_LIMIT = 50


def _can_edit(context: template.Context) -> bool:
    membership = context.get("membership")
    return bool(membership and membership.can(Role.EDITOR))


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


def register() -> None:
    panels.register("catalog.release", "delivery", release_delivery, order=10)
    panels.register("fans.fan", "deliveries", fan_deliveries, order=10)
