"""The growth flow engine on DBOS: a tick every ``FLOW_TICK_SECONDS`` and batch workflows.

No thread waits for a journey: a waiting journey is a row (``state=waiting``, ``due_at``,
``wait_event``). The scheduled ``flows.tick`` workflow

1. reads new fan events (``intake.consume_events``): starts, wakes, ends and stops journeys;
2. claims due journeys in batches (``advance.claim_due``) and enqueues one ``flows.batch``
   workflow per batch on the ``flows`` queue (``FLOW_WORKER_CONCURRENCY`` batches at once
   per worker, polled every ``FLOW_QUEUE_POLL_SECONDS``).

Both are DBOS steps, so a worker that dies mid-tick is recovered from the last checkpoint;
a batch re-run after a crash re-sends nothing (see ``advance``). Schedules run once per
tick across all workers (DBOS names each run by its time).

``flows.prune`` (hourly) deletes finished tick and batch workflows older than
``FLOW_WORKFLOW_RETENTION_HOURS`` from DBOS's system database.

``after_launch`` registers the queue and the schedules; ``fanloop worker`` calls it after
``DBOS.launch()``. ``run_until_idle`` does the same work synchronously (tests, commands).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import asdict
from typing import Any

from dbos import DBOS, SetWorkflowID
from django.conf import settings
from django.db import connections

from fanloop.flows import advance, intake

QUEUE = "flows"
SCHEDULE = "flows-tick"
PRUNE_SCHEDULE = "flows-prune"
PRUNE_LIMIT = 5000


def _tick_cron() -> str:
    seconds = min(max(int(settings.FLOW_TICK_SECONDS), 1), 59)
    return f"*/{seconds} * * * * *"


# A tick slower than the schedule must not pile up behind itself: while this process is
# still reading events (or claiming), the next tick's step skips that part.
_consuming = threading.Lock()
_claiming = threading.Lock()


@DBOS.step(name="flows.consume_events")
def consume_events_step(owner: str) -> dict[str, int]:
    if not _consuming.acquire(blocking=False):
        return {}
    try:
        return asdict(intake.consume_events(owner=owner))
    finally:
        connections.close_all()
        _consuming.release()


@DBOS.step(name="flows.claim_due")
def claim_due_step() -> list[tuple[str, list[int]]]:
    if not _claiming.acquire(blocking=False):
        return []
    try:
        return advance.claim_due()
    finally:
        connections.close_all()
        _claiming.release()


@DBOS.step(name="flows.advance_batch")
def advance_batch_step(token: str, ids: list[int]) -> dict[str, int]:
    try:
        return asdict(advance.advance_batch(token, ids))
    finally:
        connections.close_all()


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


@DBOS.workflow(name="flows.prune")
def flows_prune(scheduled_at: dt.datetime, context: Any) -> None:
    """Hourly: forget finished tick and batch workflows older than
    ``FLOW_WORKFLOW_RETENTION_HOURS`` (a tick a second would otherwise grow the system
    database by 86,400 workflows a day). Journeys and their step log are kept."""
    cutoff = scheduled_at - dt.timedelta(hours=settings.FLOW_WORKFLOW_RETENTION_HOURS)
    old = DBOS.list_workflows(
        name=["flows.tick", "flows.batch"],
        status=["SUCCESS", "ERROR"],
        completed_before=cutoff.isoformat(),
        limit=PRUNE_LIMIT,
        load_input=False,
        load_output=False,
    )
    if old:
        DBOS.delete_workflows([workflow.workflow_id for workflow in old])


def after_launch() -> None:
    """Register the ``flows`` queue and the tick schedule (idempotent; after launch).

    Runs in a helper thread: DBOS refuses these sync calls in a thread with a running
    event loop (as a process embedding an async framework may have)."""
    errors: list[BaseException] = []

    def register() -> None:
        try:
            DBOS.register_queue(
                QUEUE,
                worker_concurrency=max(1, settings.FLOW_WORKER_CONCURRENCY),
                polling_interval_sec=max(0.05, float(settings.FLOW_QUEUE_POLL_SECONDS)),
                on_conflict="always_update",
            )
            DBOS.apply_schedules(
                [
                    {
                        "schedule_name": SCHEDULE,
                        "workflow_fn": flows_tick,
                        "schedule": _tick_cron(),
                    },
                    {
                        "schedule_name": PRUNE_SCHEDULE,
                        "workflow_fn": flows_prune,
                        "schedule": "0 7 * * * *",
                    },
                ]
            )
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=register, name="flows-after-launch")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


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
