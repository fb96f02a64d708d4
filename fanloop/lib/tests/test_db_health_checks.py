"""A persistent connection the server dropped (``pg_terminate_backend``) is replaced before
the next query instead of failing it: health checks are on, and worker threads, which have
no request cycle, ask for the check between transactions (``recheck_connection``)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection

from fanloop.accounts.models import Workspace
from fanloop.lib.db import recheck_connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]


def _terminate(pid: int) -> None:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    url = f"postgresql://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    with psycopg.connect(f"{url}/postgres", autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def test_health_checks_are_on() -> None:
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_dropped_connection_is_replaced_at_the_next_request() -> None:
    before = _backend_pid()
    _terminate(before)
    close_old_connections()  # what a request, a DBOS step or the heartbeat loop does
    assert Workspace.objects.count() == 0
    assert _backend_pid() != before


def test_a_worker_thread_replaces_a_dropped_connection_between_transactions() -> None:
    before = _backend_pid()
    _terminate(before)
    recheck_connection()
    assert Workspace.objects.count() == 0
    assert _backend_pid() != before
