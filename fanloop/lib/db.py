"""Database connection helpers for long-running worker threads (no request cycle)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


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
