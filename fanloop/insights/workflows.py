"""The worker keeps the facts table caught up: a DBOS workflow on a cron schedule, one
step per batch of the fan event log (``rollup.py``; a single batch while a release-day
delivery is sending), then one that recomputes the stored leverage groups the new facts
made out of date (``leverage_results.py``) and one that counts
the visitors of the days that closed (``daily_visitors.py``); and once a day it takes each artist's
follower count where a platform exposes it to the app (``audience.py``), one step per
batch of artists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dbos import DBOS, ScheduleInput

from fanloop.fulfillment import services as fulfillment
from fanloop.insights import audience, daily_visitors, leverage_results, rollup
from fanloop.lib import durable

SCHEDULE_NAME = "insights-rollup"
# Cron (UTC, seconds first): every minute. A page catches up the rest before it reads.
ROLLUP_SCHEDULE = "0 * * * * *"
# Batches per run: bounded, so one run's work (and a recovered run's repeat) stays small.
BATCHES_PER_RUN = 50
# Batches per run while a release-day delivery is sending: the fold runs in the worker
# processes whose threads call the platforms, and holds the GIL while it computes (about a
# second per batch). A run that folded the ~40,000 events of a delivery's first minute at
# once cut that delivery's rate from 880 to 410-460 fans/s for the next 10 s
# (bench/delivery.py, 20,000 fans on 2 workers). One batch a minute keeps the
# facts moving; the rest waits for the delivery to end, and a page catches up before it
# reads.
BATCHES_WHILE_DELIVERING = 1

SNAPSHOT_SCHEDULE_NAME = "insights-audience-snapshot"
# Cron (UTC, seconds first): daily at 04:10, a quiet hour for the platforms' APIs.
SNAPSHOT_SCHEDULE = "0 10 4 * * *"
# Artists per snapshot step: a recovered run repeats at most this many calls per platform.
SNAPSHOT_BATCH = 25


@durable.step("insights_rollup_step")
def rollup_step() -> int:
    """One batch of the fan event log folded into the facts; returns events folded."""
    return rollup.catch_up(max_batches=1).events


@durable.step("insights_rollup_allowance_step")
def allowance_step() -> int:
    """How many batches this run may fold: fewer while a delivery is sending."""
    return BATCHES_WHILE_DELIVERING if fulfillment.delivering() else BATCHES_PER_RUN


@durable.step("insights_leverage_step")
def leverage_step() -> int:
    """The stored leverage groups the catch-up made out of date, recomputed; returns the
    artists recomputed."""
    return leverage_results.refresh_stale()


@durable.step("insights_daily_visitors_step")
def daily_visitors_step() -> int:
    """The page events of the days that closed since the last run, counted; returns the
    releases that had days to count."""
    return daily_visitors.catch_up()


@DBOS.workflow(name="insights_rollup")
def insights_rollup(scheduled_at: dt.datetime, context: Any) -> None:
    for _ in range(allowance_step()):
        if rollup_step() == 0:
            break
    leverage_step()
    daily_visitors_step()


@durable.step("insights.audience_snapshot_step")
def audience_snapshot_step(artist_ids: list[int]) -> int:
    """Today's follower counts of these artists; returns the snapshots taken."""
    return audience.snapshot_artists(artist_ids).taken


@DBOS.workflow(name="insights.audience_snapshot")
def audience_snapshot(scheduled_at: dt.datetime, context: Any) -> None:
    artist_ids = audience_candidates_step()
    for start in range(0, len(artist_ids), SNAPSHOT_BATCH):
        audience_snapshot_step(artist_ids[start : start + SNAPSHOT_BATCH])


@durable.step("insights.audience_candidates_step")
def audience_candidates_step() -> list[int]:
    return audience.snapshot_candidates()


def schedules() -> list[ScheduleInput]:
    """The rollup's schedule; ``fanloop worker`` applies it once DBOS has launched."""
    return [
        {
            "schedule_name": SCHEDULE_NAME,
            "workflow_fn": insights_rollup,
            "schedule": ROLLUP_SCHEDULE,
        },
        {
            "schedule_name": SNAPSHOT_SCHEDULE_NAME,
            "workflow_fn": audience_snapshot,
            "schedule": SNAPSHOT_SCHEDULE,
        },
    ]
