"""DBOS side of event webhooks: the tick and one workflow per delivery attempt.

- ``webhooks.tick`` (scheduled every ``TICK_SECONDS``): reads new fan events into
  deliveries (``intake.consume``), then enqueues each due delivery's next attempt on the
  ``webhooks`` queue under the workflow id ``webhook-<delivery>-<attempt>``: a tick that
  sees the same due attempt again enqueues nothing new (DBOS keeps one workflow per id).
- ``webhooks.deliver`` (queue ``webhooks``): one step, ``webhooks.attempt``, the call and
  its outcome. A worker killed during the step has DBOS run it again on recovery: the
  receiver may get the call twice, with the same ``webhook-id``.
- ``webhooks.prune`` (hourly): forgets finished tick and attempt workflows after
  ``WORKFLOW_RETENTION_HOURS`` (the delivery rows are the log) and deletes finished
  deliveries older than ``services.DELIVERY_LOG_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from dbos import DBOS, ScheduleInput, SetWorkflowID
from django.utils import timezone

from fanloop.lib import durable
from fanloop.webhooks import intake, services

QUEUE = "webhooks"
SCHEDULE = "webhooks-tick"
PRUNE_SCHEDULE = "webhooks-prune"
PRUNE_LIMIT = 5000
# How often the tick runs (seconds, 1 to 59). Not measured; chosen like the delivery tick:
# an event's first call within a few seconds, the scheduler's work halved against 1 s.
TICK_SECONDS = 2
# Attempts one worker runs at once. Not measured; an attempt mostly waits on the receiver
# (at most the sender's timeout), so a few per core keep slow receivers from queueing.
WORKER_CONCURRENCY = 4
# How often each worker polls the queue (seconds). Each poll is a few statements and a
# commit in DBOS's database (a worker's idle CPU goes mostly to polls and ticks); an
# enqueued attempt waits at most this long on top of the tick.
QUEUE_POLL_SECONDS = 1.0
# Due attempts enqueued per tick.
DUE_PER_TICK = 200
WORKFLOW_RETENTION_HOURS = 24

_ticking = threading.Lock()


def workflow_id(delivery_id: int, attempts_before: int) -> str:
    return f"webhook-{delivery_id}-{attempts_before + 1}"


@durable.step("webhooks.consume_events")
def consume_step() -> int:
    if not _ticking.acquire(blocking=False):
        return 0
    try:
        return intake.consume()
    finally:
        _ticking.release()


@durable.step("webhooks.due")
def due_step() -> list[tuple[int, int]]:
    return services.due(timezone.now(), DUE_PER_TICK)


# Retried only on errors before or after the call (a database error): the call itself
# never raises (``webhook_sender.post``).
@durable.step("webhooks.attempt", retries_allowed=True, max_attempts=3, interval_seconds=1.0)
def attempt_step(delivery_id: int, attempts_before: int) -> str:
    return services.attempt(delivery_id, attempts_before).status


@DBOS.workflow(name="webhooks.deliver")
def deliver(delivery_id: int, attempts_before: int) -> str:
    return attempt_step(delivery_id, attempts_before)


@DBOS.workflow(name="webhooks.tick")
def webhooks_tick(scheduled_at: dt.datetime, context: Any) -> None:
    consume_step()
    for delivery_id, attempts in due_step():
        with SetWorkflowID(workflow_id(delivery_id, attempts)):
            DBOS.enqueue_workflow(QUEUE, deliver, delivery_id, attempts)


@durable.step("webhooks.prune_log")
def prune_log_step() -> int:
    return services.prune_log()


@DBOS.workflow(name="webhooks.prune")
def webhooks_prune(scheduled_at: dt.datetime, context: Any) -> None:
    prune_log_step()
    durable.forget_finished(
        ["webhooks.tick", "webhooks.deliver"],
        before=scheduled_at - dt.timedelta(hours=WORKFLOW_RETENTION_HOURS),
        limit=PRUNE_LIMIT,
    )


def _tick_cron() -> str:
    seconds = min(max(int(TICK_SECONDS), 1), 59)
    return f"*/{seconds} * * * * *"


def queues() -> list[durable.QueueSpec]:
    return [
        {
            "name": QUEUE,
            "worker_concurrency": max(1, WORKER_CONCURRENCY),
            "polling_interval_sec": max(0.05, float(QUEUE_POLL_SECONDS)),
        }
    ]


def schedules() -> list[ScheduleInput]:
    return [
        {"schedule_name": SCHEDULE, "workflow_fn": webhooks_tick, "schedule": _tick_cron()},
        {
            "schedule_name": PRUNE_SCHEDULE,
            "workflow_fn": webhooks_prune,
            "schedule": "0 17 * * * *",
        },
    ]
