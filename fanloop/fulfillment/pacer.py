"""The shared call pacer of one platform app: GCRA slots reserved under a row lock.

Every worker (every thread, every machine) reserves its calls from the app's ``RateGate``
row: the gate keeps the "theoretical arrival time" (``tat``) of the next free slot, slots are
``30 s / (budget x (1 - headroom))`` apart, and a reservation of ``n`` calls starts at
``max(tat, now - credit, paused_until)`` and moves ``tat`` by ``n`` slots. The holder sleeps
until its start, then makes its calls. Idle time banks at most ``credit`` (a quarter of the
headroom), so when calls run at their slots any rolling 30 s window sees at most
``budget x (1 - headroom)`` calls, plus one reservation's worth and the slots a late worker
caught up on (together: the headroom). A batch whose threads are held up (a database lock)
spends its slots late, on top of the calls other batches make on time meanwhile: in
bench/delivery.py the emulator's window then held 338 to 373 calls in one second where the
pace is 261, and 1 to 4 429s paused every worker in 4 of 11 runs. Dropping slots held past
the headroom stopped those 429s but left more slots unused (51 to 374 a run) than the
pauses cost, so late slots are still spent; the 429 is honoured like any other.

A ``RateLimited`` answer pauses the app for every worker (``paused_until``) and pushes
``tat`` past the pause. Reservations are taken a few calls at a time
(the calls a batch is about to make, at most half the headroom) so that a high budget does
not cost one database write per call. A reserved slot goes unused only when a 429 voids
it (bench/delivery.py, reserved slots less API requests: none in the runs without a 429,
105 to 254 in the four with 429s).

Clocks: slots are wall-clock epoch seconds; workers on several machines need NTP.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable

from django.db import transaction

from fanloop.fulfillment.models import RateGate
from fanloop.platforms.models import PlatformApp

WINDOW_S = 30.0
MAX_GRAIN = 50
# Share of each app's budget kept unused (percent), against clock skew and burst edges. Not
# measured; bench/delivery.py shows the engine at ~0.98 of the budget with it.
BUDGET_HEADROOM_PERCENT = 2

Sleep = Callable[[float], None]


def calls_per_window(app: PlatformApp) -> float:
    """The calls fanloop allows itself per 30 s: the budget less the headroom."""
    headroom = min(max(BUDGET_HEADROOM_PERCENT, 0), 50) / 100
    return max(1.0, app.effective_budget() * (1 - headroom))


def interval_s(app: PlatformApp) -> float:
    return WINDOW_S / calls_per_window(app)


def grain(app: PlatformApp) -> int:
    """Most calls one reservation may hold: half the headroom, so that the burst of one
    reservation never pushes a 30 s window past the budget (1 for small budgets)."""
    spare = app.effective_budget() - calls_per_window(app)
    return max(1, min(MAX_GRAIN, int(spare / 2)))


def credit(app: PlatformApp) -> int:
    """Slots a late worker may catch up on (a quarter of the headroom, 0 for small budgets):
    threads that wake up late do not lose the budget, and together with one reservation's
    burst (``grain``) a 30 s window still stays within the budget."""
    spare = app.effective_budget() - calls_per_window(app)
    return max(0, int(spare / 4))


def ensure_gate(app: PlatformApp) -> None:
    RateGate.objects.get_or_create(app=app)


def reserve(app: PlatformApp, calls: int) -> float:
    """Reserve ``calls`` slots; returns the epoch instant the first one may start."""
    step = interval_s(app)
    late = credit(app) * step
    with transaction.atomic():
        gate = RateGate.objects.select_for_update().filter(app=app).first()
        if gate is None:
            gate = RateGate.objects.create(app=app)
        now = time.time()
        start = max(gate.tat, now - late, gate.paused_until)
        gate.tat = start + calls * step
        gate.calls += calls
        gate.save(update_fields=["tat", "calls", "updated"])
    return start


def pause(app: PlatformApp, retry_after: float) -> float:
    """Stop every worker's calls with ``app`` for ``retry_after`` seconds (a 429)."""
    until = time.time() + max(retry_after, 1.0)
    with transaction.atomic():
        gate = RateGate.objects.select_for_update().filter(app=app).first()
        if gate is None:
            gate = RateGate.objects.create(app=app)
        if until > gate.paused_until:
            gate.paused_until = until
            gate.pauses += 1
        gate.tat = max(gate.tat, gate.paused_until)
        gate.save(update_fields=["paused_until", "pauses", "tat", "updated"])
    return until


def paused_until(app: PlatformApp) -> float:
    value = RateGate.objects.filter(app=app).values_list("paused_until", flat=True).first()
    return float(value or 0.0)


class Permits:
    """A batch's view of an app's gate: takes calls from a small local reservation.

    Shared by the batch's threads: a thread that needs more slots reserves them (and waits
    for their start) while the others wait for it, so calls keep the gate's order."""

    def __init__(self, app: PlatformApp, sleep: Sleep = time.sleep) -> None:
        self.app = app
        self.sleep = sleep
        self.grain = grain(app)
        self.available = 0
        self._lock = threading.Lock()

    def take(self, calls: int = 1, ahead: int = 0) -> None:
        """Block until ``calls`` calls may be made now; ``ahead`` more are coming soon and
        may be reserved in the same round trip (at most ``grain`` in all)."""
        with self._lock:
            while self.available < calls:
                wanted = max(calls - self.available, min(calls + ahead, self.grain))
                start = reserve(self.app, wanted)
                wait = start - time.time()
                if wait > 0:
                    self.sleep(wait)
                    # A 429 seen by another worker while we slept voids our slots.
                    if paused_until(self.app) > time.time():
                        self.available = 0
                        continue
                self.available += wanted
            self.available -= calls

    def rate_limited(self, retry_after: float) -> None:
        """A 429: pause the app everywhere, drop what we hold, wait out the pause."""
        until = pause(self.app, retry_after)
        self.available = 0  # without the lock: a thread reserving now sees the pause
        self.sleep(max(0.0, until - time.time()) + random.uniform(0, 0.25))


def backoff_s(attempt: int, base: float = 0.5, cap: float = 8.0) -> float:
    """Exponential backoff with full jitter for the ``attempt``-th retry (1-based)."""
    return random.uniform(0, min(cap, base * math.pow(2, attempt - 1)))
