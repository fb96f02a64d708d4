"""Market (ISO 3166 country code) → the time zone where a release goes live at midnight.

The emulator imports nothing from fanloop, so it reads fanloop's table as a data file:
`fanloop/lib/markets.json`, installed beside this package by the same distribution.
"""

from __future__ import annotations

import json
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "fanloop" / "lib" / "markets.json"

MARKET_TIME_ZONES: dict[str, str] = json.loads(TABLE.read_text(encoding="utf-8"))
