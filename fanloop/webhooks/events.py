"""The event types a subscription can choose and the payloads they carry.

Every fan event kind of the fan event log is a type ``fan.<kind>`` (``fan.presaved``…);
``release.live`` is a release going live in a market on a platform (a market wave's
instant passed), ``delivery.finished`` a market wave's release-day delivery finishing.
Payloads follow the Standard Webhooks shape: ``{"type", "timestamp", "data"}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fulfillment.models import Delivery, MarketWave

FAN_PREFIX = "fan."
RELEASE_LIVE = "release.live"
DELIVERY_FINISHED = "delivery.finished"


def event_types() -> dict[str, str]:
    """Every event type with its label, in the order the forms list them."""
    types = {FAN_PREFIX + kind.value: f"Fan: {kind.label}" for kind in FanEventKind}
    types[RELEASE_LIVE] = "Release live in a market"
    types[DELIVERY_FINISHED] = "Release-day delivery finished in a market"
    return types


def fan_type(kind: str) -> str:
    return FAN_PREFIX + kind


def envelope(event_type: str, at: dt.datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": at.isoformat(), "data": data}


def _release(release: Any) -> dict[str, Any] | None:
    if release is None:
        return None
    return {
        "id": release.pk,
        "title": release.title,
        "artist": {"id": release.artist_id, "name": release.artist.name},
    }


def fan_event_data(event: FanEvent) -> dict[str, Any]:
    fan = event.fan
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "actor": event.actor,
        "platform": event.platform,
        "fan": {"id": fan.pk, "email": fan.email, "country": fan.country},
        "artist_id": event.artist_id,
        "release": _release(event.release),
        "data": event.data,
    }


def wave_data(wave: MarketWave) -> dict[str, Any]:
    state = wave.state
    return {
        "release": _release(state.release),
        "platform": state.platform,
        "market": wave.market,
        "instant": wave.instant.isoformat(),
    }


def finished_data(wave: MarketWave) -> dict[str, Any]:
    counts = dict(
        Delivery.objects.filter(wave=wave)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    data = wave_data(wave)
    data["finished_at"] = wave.finished_at.isoformat() if wave.finished_at else None
    data["counts"] = {str(state): int(n) for state, n in sorted(counts.items())}
    return data
