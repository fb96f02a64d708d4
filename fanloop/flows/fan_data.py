"""Tags and flow journeys in a fan's rights (``fanloop/fans/fan_data.py``): they follow a
merged fan and are part of the fan's export; they go with the fan."""

from __future__ import annotations

from fanloop.fans.fan_data import FanData
from fanloop.fans.fan_data import register as register_part
from fanloop.fans.models import Fan
from fanloop.flows.services import fan_export, move_fan_rows


def _merge(into: Fan, other: Fan) -> None:
    move_fan_rows(into=into, other=other)


def register() -> None:
    register_part(FanData("flows", merge=_merge, export=fan_export))
