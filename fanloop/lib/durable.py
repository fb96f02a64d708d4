"""The one way fanloop declares a DBOS step: an explicit, stable name and clean connections.

DBOS keys a workflow's recorded steps by name, so a step is always named explicitly; and a
step runs in one of DBOS's pooled threads, which outlive Django's request cycle, so the step
starts without a stale connection and leaves none open behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypedDict, TypeVar

from dbos import DBOS
from django.db import close_old_connections, connections

P = ParamSpec("P")
R = TypeVar("R")


class QueueSpec(TypedDict):
    """A queue a workflow module declares; ``fanloop worker`` registers it after launch."""

    name: str
    worker_concurrency: int
    polling_interval_sec: float


def fresh_connections(func: Callable[P, R]) -> Callable[P, R]:
    """Close this thread's stale connections before ``func`` and all of them after it.

    Closing after the step (not only the obsolete ones) means a pooled thread never holds a
    connection while idle: on SQLite an open connection can pin the WAL, on PostgreSQL an
    idle thread would count against ``max_connections``.
    """

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

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
