"""Release-day deliveries in a fan's rights (``fanloop/fans/fan_data.py``): they follow a
merged fan, are part of the fan's export, and go with the fan."""

from __future__ import annotations

from typing import Any

from fanloop.fans.fan_data import FanData
from fanloop.fans.fan_data import register as register_part
from fanloop.fans.models import Fan
from fanloop.fulfillment.models import Delivery
from fanloop.fulfillment.services import deliveries_of


def merge_deliveries(into: Fan, other: Fan) -> None:
    """Release-day deliveries follow the fan; where both have one, ``into``'s stays."""
    taken = set(Delivery.objects.filter(fan=into).values_list("release_id", "platform"))
    for pk, release_id, platform in Delivery.objects.filter(fan=other).values_list(
        "pk", "release_id", "platform"
    ):
        if (release_id, platform) not in taken:
            Delivery.objects.filter(pk=pk).update(fan=into)


def export_deliveries(fan: Fan) -> dict[str, Any]:
    """Release-day saves made for the fan: what, where, when, and how it went."""
    return {
        "deliveries": [
            {
                "release": d.release.title,
                "artist": d.release.artist.name,
                "platform": d.platform,
                "state": d.state,
                "reason": d.reason,
                "saved": list(d.items),
                "followed_artist": d.follow,
                "source": d.source,
                "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            }
            for d in deliveries_of(fan)
        ]
    }


def register() -> None:
    register_part(FanData("deliveries", merge=merge_deliveries, export=export_deliveries))
