"""Quiet hours: when a fan, in their own time zone, gets no flow email (each workspace's
window is in its sending rules, ``fanloop.messaging.sending_rules``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from fanloop.fans.models import Fan
from fanloop.lib.markets import MARKET_TIME_ZONES

__all__ = [
    "fan_time_zone",
    "parse_quiet_hours",
    "quiet_hours_end",
]


def fan_time_zone(fan: Fan) -> ZoneInfo:
    """The fan's time zone: their country's (``MARKET_TIME_ZONES``), else ``TIME_ZONE``."""
    zone = MARKET_TIME_ZONES.get((fan.country or "").upper())
    try:
        return ZoneInfo(zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_quiet_hours(value: str) -> tuple[dt.time, dt.time] | None:
    """``"21:00-09:00"`` → (start, end); blank → None. Bad values raise ValueError."""
    value = value.strip()
    if not value:
        return None
    try:
        start_text, end_text = value.split("-")
        start = dt.time.fromisoformat(start_text.strip())
        end = dt.time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"quiet hours must look like 21:00-09:00, not {value!r}") from None
    if start == end:
        return None
    return start, end


def quiet_hours_end(
    fan: Fan, now: dt.datetime, window: tuple[dt.time, dt.time] | None
) -> dt.datetime | None:
    """When the quiet hours ``window`` (the fan's workspace's: ``sending_rules``) the fan
    is in right now end (an aware UTC time), else None."""
    if window is None:
        return None
    start, end = window
    zone = fan_time_zone(fan)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    # Through UTC, so a DST change between now and then is counted once and correctly.
    return dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
