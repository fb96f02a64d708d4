"""The one way fanloop declares a DBOS step: an explicit, stable name and clean connections.

DBOS keys a workflow's recorded steps by name, so a step is always named explicitly; and a
step runs in one of DBOS's pooled threads, which outlive Django's request cycle, so the step
starts without a stale connection and leaves none open behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import wraps
from typing import ParamSpec, TypedDict, TypeVar

from dbos import DBOS
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")


class QueueSpec(TypedDict):
    """A queue a workflow module declares; ``fanloop worker`` registers it after launch."""

    name: str
    worker_concurrency: int
    polling_interval_sec: float


def fresh_connections(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` between two ``close_old_connections()``: no stale connection going in, and
    none kept past its age (``CONN_MAX_AGE``) coming out.

    On SQLite (age 0) the step leaves no connection open, so a pooled thread never pins the
    WAL while idle. On PostgreSQL a thread keeps its connection up to the age (60 s, checked
    before reuse): closing every connection after each step instead cost one reconnect per
    step and put delivery behind its pace under load (``fulfillment/tests/test_pacer.py``).
    """

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return run


def step(
    name: str,
    *,
    retries_allowed: bool = False,
    max_attempts: int = 3,
    interval_seconds: float = 1.0,
    backoff_rate: float = 2.0,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``@DBOS.step`` named ``name``, each attempt wrapped in ``fresh_connections``."""

    def decorator(func: Callable[P, R]) -> Callable[P, R]:
        return DBOS.step(
            name=name,
            retries_allowed=retries_allowed,
            max_attempts=max_attempts,
            interval_seconds=interval_seconds,
            backoff_rate=backoff_rate,
        )(fresh_connections(func))

    return decorator


def forget_finished(names: Sequence[str], before: dt.datetime, limit: int) -> int:
    """Delete up to ``limit`` workflows named ``names`` that finished (successfully or
    not) before ``before`` from DBOS's system database; how many. For workflows started
    often (a tick a second is 86,400 a day) whose outcome lives in fanloop's own tables."""
    old = DBOS.list_workflows(
        name=list(names),
        status=["SUCCESS", "ERROR"],
        completed_before=before.isoformat(),
        limit=limit,
        load_input=False,
        load_output=False,
    )
    if old:
        DBOS.delete_workflows([workflow.workflow_id for workflow in old])
    return len(old)
