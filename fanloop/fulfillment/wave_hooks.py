"""Hooks of release-day delivery's wave services (``fanloop.lib.hooks``), for higher apps
(webhooks) to act on a market wave going live or finishing, without fulfillment importing
them.

- ``wave_live``: ``announce`` calls it once per wave, after claiming the announcement (the
  release is live in the wave's market on its platform).
- ``wave_finished``: called when a delivering wave moves to DONE (``finish_waves``).
"""

from __future__ import annotations

from fanloop.fulfillment.models import MarketWave
from fanloop.lib.hooks import Hooks

wave_live: Hooks[MarketWave] = Hooks("market wave live")
wave_finished: Hooks[MarketWave] = Hooks("market wave finished")
