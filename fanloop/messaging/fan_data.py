"""Suppressions in a fan's rights (``fanloop/fans/fan_data.py``): an erased fan's address
stays refused, kept only as its hash."""

from __future__ import annotations

from fanloop.fans.fan_data import FanData
from fanloop.fans.fan_data import register as register_part
from fanloop.fans.models import Fan
from fanloop.messaging.suppressions import forget_suppressed_address


def _forget_address(fan: Fan) -> None:
    if fan.email:
        forget_suppressed_address(fan.workspace_id, fan.email)


def register() -> None:
    register_part(FanData("suppressions", delete=_forget_address))
