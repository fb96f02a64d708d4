"""The growth flow engine on DBOS: a tick every ``TICK_SECONDS`` and batch workflows.

No thread waits for a journey: a waiting journey is a row (``state=waiting``, ``due_at``,
``wait_event``). The scheduled ``flows.tick`` workflow

1. reads new fan events (``intake.consume_events``): starts, wakes, ends and stops journeys;
2. claims due journeys in batches (``advance.claim_due``) and enqueues one ``flows.batch``
   workflow per batch on the ``flows`` queue (``WORKER_CONCURRENCY`` batches at once
   per worker, polled every ``QUEUE_POLL_SECONDS``).

Both are DBOS steps, so a worker that dies mid-tick is recovered from the last checkpoint;
a batch re-run after a crash re-sends nothing (see ``advance``). Schedules run once per
tick across all workers (DBOS names each run by its time).

``segments.sweep`` (every minute) brings tracked segments' members up to date and records
a ``joined_segment`` event per fan who entered one (``segments.sweep_due``): the intake of
the next tick starts the flows triggered by it.

``broadcasts.tick`` (every ``BROADCAST_TICK_SECONDS``) starts the broadcasts whose time
has come; each part of their audiences is sent by a ``broadcast.send`` workflow on the
``broadcasts`` queue, ``BROADCAST_CONCURRENCY`` parts at once per worker process (see
``broadcasts``).

``flows.prune`` (hourly) deletes finished tick and batch workflows older than
``WORKFLOW_RETENTION_HOURS`` from DBOS's system database.

``queues()`` and ``schedules()`` declare the queue and the schedules; ``fanloop worker``
registers them (``ops.worker.start_schedules``) after ``DBOS.launch()``. ``run_until_idle``
does the same work synchronously (tests, commands).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import asdict
from typing import Any

from dbos import DBOS, ScheduleInput, SetWorkflowID

from fanloop.flows import advance, broadcasts, intake, segments
from fanloop.lib import durable

QUEUE = "flows"
SCHEDULE = "flows-tick"
PRUNE_SCHEDULE = "flows-prune"
SWEEP_SCHEDULE = "segments-sweep"
BROADCAST_QUEUE = "broadcasts"
BROADCAST_SCHEDULE = "broadcasts-tick"
# How often scheduled broadcasts are looked for (seconds, 1 to 59). Not measured; a
# "send now" starts within this.
BROADCAST_TICK_SECONDS = 2
PRUNE_LIMIT = 5000
# How often the engine ticks (seconds, 1 to 59): reads new fan events, claims due journeys.
# Not measured; chosen so a pre-save's follow-up starts within a second.
TICK_SECONDS = 1
# Batch workflows one worker runs at once. bench/flows.py runs with it; not measured against
# other values (a batch mostly waits on SMTP, so a few per core keep the cores busy).
WORKER_CONCURRENCY = 4
# How often each worker polls the ``flows`` queue (seconds). Not measured; chosen so a
# claimed batch starts within a fraction of the tick.
QUEUE_POLL_SECONDS = 0.2
# How often each worker polls the ``broadcasts`` queue (seconds). Each poll of each queue
# is a few statements and a commit in DBOS's database, about a third of an idle worker's
# CPU across its queues (py-spy, this machine); a broadcast starts at most this much later.
BROADCAST_QUEUE_POLL_SECONDS = 0.5
# Parts of broadcasts (``broadcasts.PART_SIZE`` recipients each) one worker process sends
# at once; every process takes parts, so a worker of N processes sends N times this many.
# A part's thread holds the interpreter while it builds and records a message and lets
# it go while the database or the mail server answers. bench/broadcast.py --part send
# --fans 10000 (two processes, load 3.4 to 6.3): 2 sent in 55.2 s and 70.0 s at 5.5 and
# 6.3 ms of worker CPU per message, 4 in 104.9 s at 6.7 ms (more threads contending for
# each interpreter).
BROADCAST_CONCURRENCY = 2
# Finished engine workflows (ticks, batches) are deleted from DBOS's database after this.
# Not measured; chosen as one day of history for debugging (86,400 ticks at most).
WORKFLOW_RETENTION_HOURS = 24


def _tick_cron() -> str:
    seconds = min(max(int(TICK_SECONDS), 1), 59)
    return f"*/{seconds} * * * * *"


# A tick slower than the schedule must not pile up behind itself: while this process is
# still reading events (or claiming), the next tick's step skips that part.
_consuming = threading.Lock()
_claiming = threading.Lock()


@durable.step("flows.consume_events")
def consume_events_step(owner: str) -> dict[str, int]:
    if not _consuming.acquire(blocking=False):
        return {}
    try:
        return asdict(intake.consume_events(owner=owner))
    finally:
        _consuming.release()


@durable.step("flows.claim_due")
def claim_due_step() -> list[tuple[str, list[int]]]:
    if not _claiming.acquire(blocking=False):
        return []
    try:
        return advance.claim_due()
    finally:
        _claiming.release()


@durable.step("flows.advance_batch")
def advance_batch_step(token: str, ids: list[int]) -> dict[str, int]:
    return asdict(advance.advance_batch(token, ids))


@DBOS.workflow(name="flows.batch")
def flows_batch(token: str, ids: list[int]) -> dict[str, int]:
    return advance_batch_step(token, ids)


@DBOS.workflow(name="flows.tick")
def flows_tick(scheduled_at: dt.datetime, context: Any) -> None:
    """One engine tick: read events, claim due journeys, enqueue their batches."""
    consume_events_step(DBOS.workflow_id or "flows-tick")
    batches = claim_due_step()
    for token, ids in batches:
        with SetWorkflowID(token):
            DBOS.enqueue_workflow(QUEUE, flows_batch, token, ids)


@durable.step("segments.sweep_due")
def sweep_segments_step(scheduled_at: dt.datetime) -> int:
    return segments.sweep_due(scheduled_at)


@DBOS.workflow(name="segments.sweep")
def segments_sweep(scheduled_at: dt.datetime, context: Any) -> None:
    """Every minute: sweep the tracked segments that are due (see ``segments``)."""
    sweep_segments_step(scheduled_at)


@durable.step("broadcasts.start_due")
def start_broadcasts_step() -> list[int]:
    return broadcasts.start_due()


@durable.step("broadcasts.parts")
def broadcast_parts_step(broadcast_id: int) -> list[tuple[int, int]]:
    return broadcasts.parts(broadcast_id)


@durable.step("broadcast.send_batch")
def broadcast_batch_step(
    broadcast_id: int, cursor: int, shard: int = 0, shards: int = 1, first: int = 0, last: int = 0
) -> tuple[int, int, float, int]:
    batch = broadcasts.send_batch(
        broadcast_id, cursor=cursor, shard=shard, shards=shards, first=first, last=last
    )
    return batch.tried, batch.left, batch.wait_s, batch.cursor


@durable.step("broadcast.finish")
def broadcast_finish_step(broadcast_id: int) -> bool:
    return broadcasts.finish(broadcast_id)


@DBOS.workflow(name="broadcast.send")
def broadcast_send(
    broadcast_id: int, shard: int = 0, shards: int = 1, first: int = 0, last: int = 0
) -> None:
    """Send the part of a started broadcast with recipient ids ``first`` to ``last``
    (``broadcasts.parts``) batch by batch until every recipient of the part is settled;
    durable sleeps while the ones left wait (quiet hours, the mail server down). The last
    part to end marks the broadcast sent. ``shard`` of ``shards``: a part by id modulo,
    as the workflows of a broadcast started before parts by id range were enqueued (they
    recover with the same arguments)."""
    cursor = 0
    while True:
        _, left, wait_s, cursor = broadcast_batch_step(
            broadcast_id, cursor, shard, shards, first, last
        )
        if left == 0:
            broadcast_finish_step(broadcast_id)
            return
        if wait_s > 0:
            DBOS.sleep(wait_s)


@DBOS.workflow(name="broadcasts.tick")
def broadcasts_tick(scheduled_at: dt.datetime, context: Any) -> None:
    """Start the broadcasts whose time has come, one ``broadcast.send`` workflow per part
    of each audience (its id ``broadcast-<id>-<first recipient id>``: enqueued once
    however often this runs or is recovered)."""
    for broadcast_id in start_broadcasts_step():
        for first, last in broadcast_parts_step(broadcast_id):
            with SetWorkflowID(f"broadcast-{broadcast_id}-{first}"):
                DBOS.enqueue_workflow(
                    BROADCAST_QUEUE, broadcast_send, broadcast_id, 0, 1, first, last
                )


@DBOS.workflow(name="flows.prune")
def flows_prune(scheduled_at: dt.datetime, context: Any) -> None:
    """Hourly: forget finished tick and batch workflows older than
    ``WORKFLOW_RETENTION_HOURS`` (a tick a second would otherwise grow the system
    database by 86,400 workflows a day). Journeys and their step log are kept."""
    durable.forget_finished(
        ["flows.tick", "flows.batch", "segments.sweep", "broadcasts.tick"],
        before=scheduled_at - dt.timedelta(hours=WORKFLOW_RETENTION_HOURS),
        limit=PRUNE_LIMIT,
    )


def queues() -> list[durable.QueueSpec]:
    """The ``flows`` and ``broadcasts`` queues; ``fanloop worker`` registers them once DBOS
    has launched."""
    return [
        {
            "name": QUEUE,
            "worker_concurrency": max(1, WORKER_CONCURRENCY),
            "polling_interval_sec": max(0.05, float(QUEUE_POLL_SECONDS)),
        },
        {
            "name": BROADCAST_QUEUE,
            "worker_concurrency": max(1, BROADCAST_CONCURRENCY),
            "polling_interval_sec": max(0.05, float(BROADCAST_QUEUE_POLL_SECONDS)),
        },
    ]


def schedules() -> list[ScheduleInput]:
    """The tick, the segment sweep, the broadcast tick and the hourly prune; ``fanloop
    worker`` applies them once DBOS has launched."""
    return [
        {"schedule_name": SCHEDULE, "workflow_fn": flows_tick, "schedule": _tick_cron()},
        {"schedule_name": PRUNE_SCHEDULE, "workflow_fn": flows_prune, "schedule": "0 7 * * * *"},
        {
            "schedule_name": SWEEP_SCHEDULE,
            "workflow_fn": segments_sweep,
            "schedule": "30 * * * * *",
        },
        {
            "schedule_name": BROADCAST_SCHEDULE,
            "workflow_fn": broadcasts_tick,
            "schedule": f"*/{min(max(int(BROADCAST_TICK_SECONDS), 1), 59)} * * * * *",
        },
    ]


def run_until_idle(*, now: dt.datetime | None = None, max_rounds: int = 100) -> dict[str, int]:
    """Consume events and advance every due journey in this thread, without DBOS, until
    nothing is left to do at ``now``; returns totals."""
    totals = {"events": 0, "started": 0, "batches": 0, "steps": 0, "sent": 0}
    for _ in range(max_rounds):
        events = intake.consume_events(owner="run-until-idle", now=now)
        batches = advance.claim_due(now=now)
        for token, ids in batches:
            report = advance.advance_batch(token, ids, now=now)
            totals["steps"] += report.steps
            totals["sent"] += report.sent
        totals["events"] += events.events
        totals["started"] += events.started
        totals["batches"] += len(batches)
        if not events.events and not batches:
            break
    return totals
