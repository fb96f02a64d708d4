"""The workspace home's attention items of this app: failed release-day deliveries and
releases a platform still does not list after their release instant."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.home import Attention
from fanloop.fulfillment.models import (
    Delivery,
    DeliveryState,
    DetectionStatus,
    PrecheckStatus,
    ReleasePlatform,
)
from fanloop.platforms.registry import PLATFORMS


def _progress_url(workspace: Workspace, release_id: int) -> str:
    return reverse("fulfillment:progress", kwargs={"ws": workspace.slug, "pk": release_id})


def failed_attention(workspace: Workspace, now: dt.datetime) -> list[Attention]:
    """One item per release with failed deliveries. One query."""
    rows = (
        Delivery.objects.filter(release__artist__workspace=workspace, state=DeliveryState.FAILED)
        .values("release_id", "release__title")
        .annotate(n=Count("id"))
        .order_by("release__title", "release_id")
    )
    return [
        Attention(
            f"{row['n']} release-day {'save' if row['n'] == 1 else 'saves'} of "
            f"“{row['release__title']}” failed.",
            _progress_url(workspace, row["release_id"]),
            "See the delivery",
        )
        for row in rows
    ]


def not_found_attention(workspace: Workspace, now: dt.datetime) -> list[Attention]:
    """One item per release out in some market that a platform has not been found on (by
    detection or by its UPC). Before the instant it is normal: platforms list a release
    once it is out. One query."""
    states = (
        ReleasePlatform.objects.filter(release__artist__workspace=workspace)
        .filter(Q(status=DetectionStatus.NOT_FOUND) | Q(precheck_status=PrecheckStatus.MISSING))
        .exclude(status=DetectionStatus.LIVE)
        .select_related("release")
        .order_by("release__title", "release_id", "platform")
    )
    missing: dict[int, tuple[str, list[str]]] = {}
    for state in states:
        if state.release.first_instant() > now:
            continue
        label = PLATFORMS[state.platform][0] if state.platform in PLATFORMS else state.platform
        missing.setdefault(state.release_id, (state.release.title, []))[1].append(label)
    return [
        Attention(
            f"“{title}” is out but not found on {', '.join(platforms)}: check the UPC with "
            "your distributor.",
            _progress_url(workspace, release_id),
            "Check the release",
        )
        for release_id, (title, platforms) in missing.items()
    ]
