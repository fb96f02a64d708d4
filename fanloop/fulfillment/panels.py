"""Delivery panels on other apps' pages: the fan page's deliveries and the release page's
delivery panel (registered with ``fans.panels`` and ``catalog.panels`` when the app loads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from fanloop.accounts.models import Membership
from fanloop.catalog.share_links import example
from fanloop.fulfillment.progress import deliveries_of_fan, release_progress

FAN_DELIVERY_LIMIT = 50


def fan_deliveries(context: Mapping[str, Any], fan: Any) -> SafeString:
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


def release_delivery(context: Mapping[str, Any], release: Any) -> SafeString:
    """The release page's delivery panel: detection per platform, UPC warnings, the manual
    override form and a summary linking to the live progress page."""
    workspace = release.artist.workspace
    kwargs = {"ws": workspace.slug, "pk": release.pk}
    progress = release_progress(release)
    membership = context.get("membership")
    can_edit = isinstance(membership, Membership) and membership.can_edit
    html = get_template("fulfillment/_release_panel.html").render(
        {
            "release": release,
            "progress": progress,
            "rows": [(row, example(row.platform, "album")) for row in progress.platforms],
            "can_edit": can_edit,
            "workspace": workspace,
            "progress_url": reverse("fulfillment:progress", kwargs=kwargs),
        },
        context.get("request"),
    )
    return mark_safe(html)  # rendered by an autoescaping template
