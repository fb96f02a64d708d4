"""The fan event log, read for webhooks: every new ``FanEvent`` becomes a delivery for each
enabled subscription of its workspace that chose its type (``fan.<kind>``) and existed
when the event happened.

Events are read in id order after a stored cursor (``EventCursor``), a chunk at a time.
On PostgreSQL an id may become visible after a larger one (transactions commit out of
order), so only events at least ``EVENT_SETTLE_SECONDS`` old are read. Delivery rows are
unique per subscription and event, so a chunk read twice makes no row twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from fanloop.analytics.models import FanEvent
from fanloop.webhooks import events, services
from fanloop.webhooks.models import EventCursor, Subscription

CURSOR_NAME = "webhooks"
CHUNK = 500
# How old an event must be to be read (seconds): longer than a writing transaction lasts.
EVENT_SETTLE_SECONDS = 5


def consume(now: dt.datetime | None = None) -> int:
    """Read one chunk of the fan event log; returns the deliveries made."""
    now = now or timezone.now()
    settled = now - dt.timedelta(seconds=EVENT_SETTLE_SECONDS)
    with transaction.atomic():
        cursor, _ = EventCursor.objects.get_or_create(name=CURSOR_NAME)
        cursor = EventCursor.objects.select_for_update().get(pk=cursor.pk)
        watched: dict[int, list[Subscription]] = {}
        for subscription in Subscription.objects.filter(enabled=True):
            watched.setdefault(subscription.workspace_id, []).append(subscription)
        ids = list(
            FanEvent.objects.filter(pk__gt=cursor.last_id, created__lte=settled)
            .order_by("pk")
            .values_list("pk", "workspace_id")[:CHUNK]
        )
        if not ids:
            return 0
        wanted = [pk for pk, workspace_id in ids if workspace_id in watched]
        made = 0
        for event in (
            FanEvent.objects.filter(pk__in=wanted)
            .select_related("fan", "release__artist")
            .order_by("pk")
        ):
            made += services.record_event(
                event.workspace_id,
                events.fan_type(event.kind),
                key=f"fan:{event.pk}",
                data=events.fan_event_data(event),
                at=event.created,
                since=event.created,
                fan_id=event.fan_id,
                subscriptions=watched[event.workspace_id],
            )
        cursor.last_id = ids[-1][0]
        cursor.updated = now
        cursor.save(update_fields=["last_id", "updated"])
    return made
