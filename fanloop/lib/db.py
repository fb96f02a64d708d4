"""Database helpers: connections of long-running worker threads (no request cycle), SQLite
write turns and a write that may lose an insert race."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

T = TypeVar("T")

# This process's short write transactions on SQLite, taken in turn (see ``write_turn``).
_sqlite_writes = threading.Lock()


def recheck_connection(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Have the next query check this thread's persistent connection first.

    Django checks a persistent connection's health (``CONN_HEALTH_CHECKS``) once per request;
    a worker thread has no requests, so a connection the server dropped (a restart,
    ``pg_terminate_backend``) would fail the next query. Called between transactions, this
    replaces a dead connection instead (one ``SELECT 1`` on PostgreSQL). Connections that are
    not kept (``CONN_MAX_AGE`` 0, SQLite) are left alone: closing them would cost a
    reconnect per call.
    """
    conn = connections[alias]
    if conn.connection is None or conn.in_atomic_block:
        return
    if conn.settings_dict.get("CONN_MAX_AGE") == 0:
        return
    conn.close_if_unusable_or_obsolete()


@contextmanager
def write_turn(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """``transaction.atomic()`` for a short write that threads of one process repeat many
    times (a message's claim). On SQLite the threads take turns on a lock of this process
    first: waiting on SQLite's own write lock means its busy handler's sleeps (1, 2, 5,
    10 ms...), longer than the transaction; the lock hands over at once. Inside a
    transaction already, or on PostgreSQL, a plain ``atomic()``."""
    conn = connections[alias]
    if conn.vendor != "sqlite" or conn.in_atomic_block:
        with transaction.atomic(using=alias):
            yield
        return
    with _sqlite_writes, transaction.atomic(using=alias):
        yield


def atomic_insert_race(write: Callable[[], T]) -> T:
    """``write()`` in a transaction (a savepoint inside one). When it loses an insert race
    (``IntegrityError``: a concurrent request stored the same row first), it runs once more,
    and that second pass finds the row the other stored; a second ``IntegrityError`` is
    raised."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        pass
    with transaction.atomic():
        return write()
