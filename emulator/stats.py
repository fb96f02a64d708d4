"""Counters a benchmark reads independently of fanloop: requests, 429s, save operations.

Every effective library write (2xx) counts once per item it names, so an item saved twice
for the same user shows up as a duplicate whatever the client believes it did.
"""

from __future__ import annotations

from typing import Any


class Stats:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = {}
        self.rate_limited = 0
        self.save_ops_total = 0
        self.saves: dict[tuple[str, str, str], int] = {}
        # Users' own acts through the admin API (not save operations of any app).
        self.fan_acts: dict[str, int] = {}

    def record(self, route: str, status: int) -> None:
        key = (route, status)
        self.requests[key] = self.requests.get(key, 0) + 1

    def saved(self, platform: str, user_id: str, item: str) -> None:
        key = (platform, user_id, item)
        self.saves[key] = self.saves.get(key, 0) + 1
        self.save_ops_total += 1

    def fan_act(self, act: str) -> None:
        self.fan_acts[act] = self.fan_acts.get(act, 0) + 1

    def describe(self, detail: bool = False) -> dict[str, Any]:
        by_route: dict[str, dict[str, int]] = {}
        total = 0
        for (route, status), n in sorted(self.requests.items()):
            by_route.setdefault(route, {})[str(status)] = n
            total += n
        per_platform: dict[str, dict[str, int]] = {}
        duplicates = 0
        for (platform, _user, _item), n in self.saves.items():
            p = per_platform.setdefault(
                platform, {"save_ops": 0, "saved_items": 0, "duplicate_saves": 0}
            )
            p["save_ops"] += n
            p["saved_items"] += 1
            if n > 1:
                p["duplicate_saves"] += 1
                duplicates += 1
        out: dict[str, Any] = {
            "requests_total": total,
            "requests": by_route,
            "rate_limited": self.rate_limited,
            "save_ops_total": self.save_ops_total,
            "saved_items": len(self.saves),
            "duplicate_saves": duplicates,
            "saves_by_platform": per_platform,
            "fan_acts": dict(self.fan_acts),
        }
        if detail:
            out["saves"] = [
                {"platform": p, "user_id": u, "item": i, "count": n}
                for (p, u, i), n in self.saves.items()
            ]
        return out
