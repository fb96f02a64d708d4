"""The worker keeps the facts table caught up: a DBOS workflow on a cron schedule, one
step per batch of the fan event log (``rollup.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dbos import DBOS, ScheduleInput

from fanloop.insights import rollup
from fanloop.lib import durable

SCHEDULE_NAME = "insights-rollup"
# Cron (UTC, seconds first): every minute. A page catches up the rest before it reads.
ROLLUP_SCHEDULE = "0 * * * * *"
# Batches per run: bounded, so one run's work (and a recovered run's repeat) stays small.
BATCHES_PER_RUN = 50


@durable.step("insights_rollup_step")
def rollup_step() -> int:
    """One batch of the fan event log folded into the facts; returns events folded."""
    return rollup.catch_up(max_batches=1).events


@DBOS.workflow(name="insights_rollup")
def insights_rollup(scheduled_at: dt.datetime, context: Any) -> None:
    for _ in range(BATCHES_PER_RUN):
        if rollup_step() == 0:
            return


def schedules() -> list[ScheduleInput]:
    """The rollup's schedule; ``fanloop worker`` applies it once DBOS has launched."""
    return [
        {
            "schedule_name": SCHEDULE_NAME,
            "workflow_fn": insights_rollup,
            "schedule": ROLLUP_SCHEDULE,
        }
    ]
