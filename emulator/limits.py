"""Per-app rolling-window rate limits (Spotify 30 s, Deezer 50 per 5 s, configurable).

Each app keeps a deque of the monotonic instants of its accepted calls; a call over the limit
is refused with the seconds until the oldest call leaves the window. Not the emulator clock:
moving release time must not empty or fill rate windows.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any


class RateLimiter:
    def __init__(self) -> None:
        self.windows: dict[str, deque[float]] = {}
        self.limits: dict[str, tuple[int | None, float]] = {}
        self.rejected: dict[str, int] = {}

    def hit(self, key: str, limit: int | None, window_s: float) -> int:
        """Record one call; return 0 if allowed, else Retry-After seconds (≥ 1)."""
        now = time.monotonic()
        dq = self.windows.get(key)
        if dq is None:
            dq = self.windows[key] = deque()
            self.limits[key] = (limit, window_s)
        horizon = now - window_s
        while dq and dq[0] <= horizon:
            dq.popleft()
        if limit is not None and len(dq) >= limit:
            self.rejected[key] = self.rejected.get(key, 0) + 1
            return max(1, math.ceil(dq[0] + window_s - now))
        dq.append(now)
        self.limits[key] = (limit, window_s)
        return 0

    def usage(self) -> dict[str, Any]:
        now = time.monotonic()
        out: dict[str, Any] = {}
        for key, dq in self.windows.items():
            limit, window_s = self.limits[key]
            used = sum(1 for t in dq if t > now - window_s)
            out[key] = {
                "used": used,
                "limit": limit,
                "window_s": window_s,
                "rejected": self.rejected.get(key, 0),
            }
        return out
