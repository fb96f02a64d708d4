"""DBOS side of release-day delivery: the tick, one queue per platform app, batch workflows.

- ``delivery_tick`` (scheduled every ``TICK_SECONDS``): one pass of the state
  machine (``services.tick``), then each claimed batch is enqueued on its app's queue under
  the batch id as workflow id. Scheduled runs have one id per instant, so several workers
  run each tick once.
- ``deliver_batch`` (queue ``delivery-app-<pk>``): delivers the batch's fans (one step,
  idempotent, retried on database errors), then claims the app's next batches at once so a
  busy app does not wait for the next tick.
- ``forever_save_check`` (daily at ``FOREVER_CHECK_HOUR`` UTC): new albums of artists
  with forever-save fans.

Queue limits come from the app's budget: the DBOS limiter (workflow starts per 30 s) is a
coarse bound of twice the batches the budget can feed; the exact per-call pacing is the
shared ``RateGate`` (``pacer.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from typing import Any

from dbos import DBOS, Queue, ScheduleInput, SetWorkflowID
from django.utils import timezone

from fanloop.fulfillment import deliver, forever, services
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.fulfillment.pacer import calls_per_window, ensure_gate
from fanloop.lib import durable
from fanloop.platforms.models import PlatformApp

log = logging.getLogger(__name__)

TICK_SCHEDULE = "fanloop-delivery-tick"
FOREVER_SCHEDULE = "fanloop-forever-save-check"
QUEUE_POLL_S = 0.5
# How often the tick advances waves (seconds, 1 to 59). Not measured; chosen so a wave
# starts within 2 s of its instant, at half the scheduler's work of a tick a second.
TICK_SECONDS = 2
# Hour (UTC) of the daily check of forever-save artists' new albums. Not measured; the hour
# the former setting defaulted to (any hour works: the check looks LOOKBACK_DAYS back).
FOREVER_CHECK_HOUR = 6
ALIVE = ("ENQUEUED", "PENDING")

_queues: dict[str, tuple[tuple[Any, ...], Queue]] = {}
_queues_lock = threading.Lock()


def queue_name(app_id: int) -> str:
    return f"delivery-app-{app_id}"


def app_queue(app: PlatformApp) -> Queue:
    """The app's queue, registered (or updated) when its budget-derived limits change."""
    name = queue_name(app.pk)
    starts = max(2, math.ceil(2 * calls_per_window(app) / services.batch_size()))
    concurrency = max(1, services.WORKER_CONCURRENCY)
    config = (starts, concurrency)
    with _queues_lock:
        cached = _queues.get(name)
        if cached is not None and cached[0] == config:
            return cached[1]
    ensure_gate(app)
    queue = DBOS.register_queue(
        name,
        limiter={"limit": starts, "period": 30},
        worker_concurrency=concurrency,
        polling_interval_sec=QUEUE_POLL_S,
        on_conflict="always_update",
    )
    with _queues_lock:
        _queues[name] = (config, queue)
    return queue


def enqueue(batches: list[services.Batch]) -> None:
    apps = {a.pk: a for a in PlatformApp.objects.filter(pk__in={b.app_id for b in batches})}
    for batch in batches:
        app = apps.get(batch.app_id)
        if app is None:
            continue
        with SetWorkflowID(batch.batch_id):
            app_queue(app).enqueue(deliver_batch, batch.app_id)


@durable.step(
    "run_batch_step", retries_allowed=True, max_attempts=5, interval_seconds=1.0, backoff_rate=2.0
)
def run_batch_step(app_id: int, batch_id: str) -> dict[str, int]:
    try:
        return deliver.run_batch(app_id, batch_id)
    except Exception:
        log.exception("delivery batch %s failed (the step is retried)", batch_id)
        raise


@durable.step("refill_step", retries_allowed=True, max_attempts=3, interval_seconds=1.0)
def refill_step(app_id: int) -> list[tuple[int, str]]:
    return [(b.app_id, b.batch_id) for b in services.dispatch(timezone.now(), [app_id])]


@DBOS.workflow(name="deliver_batch")
def deliver_batch(app_id: int) -> dict[str, int]:
    """Deliver the rows claimed under this workflow's id, then claim the app's next ones."""
    batch_id = DBOS.workflow_id or ""
    counts = run_batch_step(app_id, batch_id)
    enqueue([services.Batch(a, b) for a, b in refill_step(app_id)])
    return counts


def _alive_batches(batch_ids: list[str]) -> set[str]:
    alive: set[str] = set()
    for batch_id in batch_ids:
        status = DBOS.get_workflow_status(batch_id)
        if status is not None and status.status in ALIVE:
            alive.add(batch_id)
    return alive


_tick_running = threading.Lock()


@durable.step("tick_step")
def tick_step(scheduled_at: dt.datetime) -> list[tuple[int, str]]:
    # A tick slower than the schedule must not pile up behind itself: skip this one.
    if not _tick_running.acquire(blocking=False):
        return []
    try:
        now = timezone.now()
        stale = services.stale_batches(now)
        if stale:
            services.release_stale_claims(now, _alive_batches(stale))
        return [(b.app_id, b.batch_id) for b in services.tick(now)]
    finally:
        _tick_running.release()


@DBOS.workflow(name="delivery_tick")
def delivery_tick(scheduled_at: dt.datetime, context: Any) -> None:
    enqueue([services.Batch(a, b) for a, b in tick_step(scheduled_at)])


@durable.step("forever_step")
def forever_step() -> int:
    return forever.check_artists()


@DBOS.workflow(name="forever_save_check")
def forever_save_check(scheduled_at: dt.datetime, context: Any) -> None:
    forever_step()


def forget_queues() -> None:
    """Drop the cached queue registrations: they belong to a DBOS instance now destroyed
    (tests launch a fresh one per test)."""
    with _queues_lock:
        _queues.clear()


def schedules() -> list[ScheduleInput]:
    """The tick and the daily check; ``fanloop worker`` applies them once DBOS has launched."""
    seconds = min(59, max(1, TICK_SECONDS))
    hour = min(23, max(0, FOREVER_CHECK_HOUR))
    return [
        {
            "schedule_name": TICK_SCHEDULE,
            "workflow_fn": delivery_tick,
            "schedule": f"*/{seconds} * * * * *",
        },
        {
            "schedule_name": FOREVER_SCHEDULE,
            "workflow_fn": forever_save_check,
            "schedule": f"0 0 {hour} * * *",
        },
    ]


def pending_work() -> int:
    """Deliveries not written yet (tests and the benchmark wait on this)."""
    return Delivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]).count()
