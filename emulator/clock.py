"""The emulator's controllable clock: drives release visibility and token expiry.

Three modes: real time, real time plus an offset (``set`` keeps it running from the new
instant), and frozen (only ``advance``/``set`` move it). Rate-limit windows do not use it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any


def parse_instant(value: Any) -> float:
    """Epoch seconds from a number or an ISO 8601 string (naive strings are UTC)."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    raise ValueError(f"not an instant: {value!r}")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


class Clock:
    __slots__ = ("frozen_at", "offset")

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen_at: float | None = None

    def now(self) -> float:
        if self.frozen_at is not None:
            return self.frozen_at
        return time.time() + self.offset

    def set(self, instant: float, freeze: bool = False) -> None:
        if freeze:
            self.frozen_at = instant
            self.offset = 0.0
        else:
            self.frozen_at = None
            self.offset = instant - time.time()

    def advance(self, seconds: float) -> None:
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def real(self, offset: float = 0.0) -> None:
        self.frozen_at = None
        self.offset = offset

    def describe(self) -> dict[str, Any]:
        now = self.now()
        return {
            "now": iso(now),
            "now_epoch": now,
            "mode": "frozen" if self.frozen_at is not None else "real",
            "offset_s": self.offset,
        }

    def dump(self) -> dict[str, Any]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    def load(self, data: dict[str, Any]) -> None:
        self.offset = float(data.get("offset", 0.0))
        frozen = data.get("frozen_at")
        self.frozen_at = float(frozen) if frozen is not None else None
