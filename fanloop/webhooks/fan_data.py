"""Webhook deliveries in a fan's rights (``fanloop/fans/fan_data.py``): their payloads
hold the fan's address. Deleting the fan deletes them (a foreign key, CASCADE); a merge
moves them to the fan kept; the export lists them."""

from __future__ import annotations

from typing import Any

from fanloop.fans.fan_data import FanData
from fanloop.fans.fan_data import register as register_part
from fanloop.fans.models import Fan
from fanloop.webhooks.models import WebhookDelivery


def _merge(into: Fan, other: Fan) -> None:
    WebhookDelivery.objects.filter(fan=other).update(fan=into)


def _export(fan: Fan) -> dict[str, Any]:
    rows = WebhookDelivery.objects.filter(fan=fan).select_related("subscription")
    return {
        "webhook_deliveries": [
            {
                "webhook_id": row.msg_id,
                "event_type": row.event_type,
                "url": row.subscription.url,
                "status": row.status,
                "created": row.created.isoformat(),
            }
            for row in rows.order_by("pk")
        ]
    }


def register() -> None:
    register_part(FanData("webhooks", merge=_merge, export=_export))
