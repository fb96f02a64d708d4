"""Market (ISO 3166 country code) → the time zone where a release goes live at midnight.

The table is data, `markets.json` beside this module, generated from the IANA zone.tab
(first zone per country), with the zone the platforms use for countries that span several
(US → New York, AU → Sydney, …). The emulator reads the same file (`emulator/markets.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

TABLE = Path(__file__).with_name("markets.json")

MARKET_TIME_ZONES: dict[str, str] = json.loads(TABLE.read_text(encoding="utf-8"))

# The first place on Earth to reach a given midnight (UTC+14).
EARLIEST_ZONE = "Pacific/Kiritimati"
