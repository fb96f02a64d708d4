"""Deterministic fault injection: 5xx shares, latency, hanging requests, revoked users.

One ``random.Random(seed)`` is consumed by a fixed number of draws per Web API request in
arrival order, so the same seed and the same request sequence give the same faults. Revoked
users are chosen by a hash of (seed, platform, user id), independent of request order.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Decision:
    status: int = 0  # 0: no error injected
    delay_s: float = 0.0
    hang: bool = False


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.configure({})

    def configure(self, data: dict[str, Any]) -> None:
        if "seed" in data and data["seed"] is not None:
            self.seed = int(data["seed"])
        self.platforms: frozenset[str] = frozenset(
            data.get("platforms") or ("spotify", "deezer", "apple", "tidal")
        )
        rates = {int(k): float(v) for k, v in (data.get("error_rate") or {}).items()}
        for status in rates:
            if status not in (500, 502, 503):
                raise ValueError("error_rate keys must be 500, 502 or 503")
        if sum(rates.values()) > 1:
            raise ValueError("error rates add up to more than 1")
        self.error_rate = rates
        latency = data.get("latency_ms") or {}
        self.latency: dict[str, Any] = dict(latency)
        self.latency_kind = str(latency.get("distribution", "none"))
        if self.latency_kind not in ("none", "fixed", "uniform", "exponential"):
            raise ValueError("latency_ms.distribution: none | fixed | uniform | exponential")
        self.hang_rate = float(data.get("hang_rate", 0.0))
        self.hang_s = float(data.get("hang_s", 30.0))
        self.hang_response = str(data.get("hang_response", "504"))
        if self.hang_response not in ("504", "drop"):
            raise ValueError("hang_response: 504 | drop")
        self.revoked_user_share = float(data.get("revoked_user_share", 0.0))
        self.rng = random.Random(self.seed)
        self.enabled = bool(self.error_rate or self.latency_kind != "none" or self.hang_rate > 0)
        self.injected: dict[str, int] = {}
        self._revoked_cache: dict[tuple[str, str], bool] = {}
        self.raw = {
            "seed": self.seed,
            "platforms": sorted(self.platforms),
            "error_rate": {str(k): v for k, v in rates.items()},
            "latency_ms": self.latency,
            "hang_rate": self.hang_rate,
            "hang_s": self.hang_s,
            "hang_response": self.hang_response,
            "revoked_user_share": self.revoked_user_share,
        }

    def decide(self, platform: str) -> Decision | None:
        if not self.enabled or platform not in self.platforms:
            return None
        rng = self.rng
        # Always three draws per request so the sequence stays aligned whatever happens.
        u_error, u_hang, u_latency = rng.random(), rng.random(), rng.random()
        decision = Decision()
        if u_hang < self.hang_rate:
            decision.hang = True
            self._count("hang")
            return decision
        acc = 0.0
        for status, rate in sorted(self.error_rate.items()):
            acc += rate
            if u_error < acc:
                decision.status = status
                self._count(str(status))
                break
        decision.delay_s = self._latency(u_latency) / 1000.0
        if decision.delay_s:
            self._count("delayed")
        return decision

    def _latency(self, u: float) -> float:
        lat = self.latency
        if self.latency_kind == "fixed":
            return float(lat.get("value", 0))
        if self.latency_kind == "uniform":
            lo, hi = float(lat.get("min", 0)), float(lat.get("max", 0))
            return lo + (hi - lo) * u
        if self.latency_kind == "exponential":
            # Inverse CDF with the pre-drawn uniform keeps one draw per request.
            mean = float(lat.get("mean", 0))
            value = -mean * math.log(1.0 - u) if mean > 0 else 0.0
            return min(value, float(lat.get("max", value)))
        return 0.0

    def _count(self, what: str) -> None:
        self.injected[what] = self.injected.get(what, 0) + 1

    def user_revoked(self, platform: str, user_id: str) -> bool:
        share = self.revoked_user_share
        if share <= 0:
            return False
        key = (platform, user_id)
        hit = self._revoked_cache.get(key)
        if hit is None:
            raw = hashlib.blake2b(f"{self.seed}:{platform}:{user_id}".encode(), digest_size=8)
            hit = int.from_bytes(raw.digest(), "big") / 2**64 < share
            self._revoked_cache[key] = hit
        return hit

    def describe(self) -> dict[str, Any]:
        return {**self.raw, "injected": dict(self.injected)}
