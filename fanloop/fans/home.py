"""The workspace home's attention item of this app: fans whose connection needs a reconnect."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.home import Attention
from fanloop.fans.models import ConnectionStatus, PlatformConnection


def reconnect_attention(workspace: Workspace, now: dt.datetime) -> list[Attention]:
    """One item when some fans must reconnect before fanloop can act for them. One query."""
    count = PlatformConnection.objects.filter(
        fan__workspace=workspace, status=ConnectionStatus.NEEDS_RECONNECT
    ).count()
    if not count:
        return []
    fans = "fan needs" if count == 1 else "fans need"
    return [
        Attention(
            f"{count} {fans} to reconnect a platform before fanloop can save or follow for them.",
            reverse("fans:expiring", kwargs={"ws": workspace.slug}),
            "See who",
        )
    ]
