"""Small per-release analytics panel for the dashboard: views, visitors, clicks.

Full funnels come later; this answers "is anyone opening my link, and where do they go?".
``release_panel`` is registered with ``catalog.panels`` when the app loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from fanloop.analytics.models import DroppedHit, DropReason, Event, EventKind
from fanloop.catalog.models import Release
from fanloop.platforms.registry import label as platform_label

RECENT_DAYS = 7


def release_summary(release: Release) -> dict[str, Any]:
    """Counts for ``release``: ``views``, ``visitors``, ``clicks`` {platform: n}, ``dropped``
    {reason: n}, the same for the last 7 days under ``recent``, and display rows.

    Visitor ids rotate daily, so a fan who comes back on another day counts again.
    """
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    events = Event.objects.filter(release=release)
    views = Q(kind=EventKind.PAGE_VIEW)
    recent = Q(created__gte=since)
    totals = events.aggregate(
        views=Count("id", filter=views),
        visitors=Count("visitor_id", distinct=True),
        recent_views=Count("id", filter=views & recent),
        recent_visitors=Count("visitor_id", filter=recent, distinct=True),
    )
    click_counts = list(
        events.filter(kind=EventKind.CLICK)
        .values("platform")
        .annotate(n=Count("id"), recent=Count("id", filter=recent))
        .order_by("-n", "platform")
    )
    clicks = {row["platform"]: row["n"] for row in click_counts}
    dropped = dict(
        DroppedHit.objects.filter(release=release)
        .values_list("reason")
        .annotate(n=Sum("count"))
        .order_by("reason")
    )
    return {
        "views": totals["views"],
        "visitors": totals["visitors"],
        "clicks": clicks,
        "dropped": dropped,
        "recent": {
            "days": RECENT_DAYS,
            "views": totals["recent_views"],
            "visitors": totals["recent_visitors"],
            "clicks": {row["platform"]: row["recent"] for row in click_counts},
        },
        "click_rows": [
            {
                "platform": row["platform"],
                "label": platform_label(row["platform"]),
                "count": row["n"],
                "recent": row["recent"],
            }
            for row in click_counts
        ],
        "dropped_rows": [
            {"reason": reason, "label": _reason_label(reason), "count": n}
            for reason, n in dropped.items()
        ],
        "total_clicks": sum(clicks.values()),
        "published": release.published,
        "share_url": settings.SITE_URL
        + reverse("campaigns:short_link", kwargs={"code": release.short_code}),
    }


def _reason_label(reason: str) -> str:
    try:
        return str(DropReason(reason).label)
    except ValueError:
        return reason


def release_panel(context: Mapping[str, Any], release: Release) -> SafeString:
    """The release page's audience panel."""
    return render_to_string(
        "analytics/release_panel.html",
        {"summary": release_summary(release)},
        context.get("request"),
    )
