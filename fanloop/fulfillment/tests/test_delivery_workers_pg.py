"""Several workers on PostgreSQL share the queues and the pacer: one is killed with -9 and
never comes back, the other notices its stale heartbeat, recovers its workflows and finishes
the run; the workers' database connections are cut mid-run and the run still completes.
Every fan is saved exactly once by the emulator's count."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.ops.models import WorkerHeartbeat

from .engine_helpers import scenario, wait_for
from .test_delivery_kill9 import start_worker, worker_env

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]


def _server_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"


@pytest.fixture
def system_db() -> Iterator[str]:
    """A separate PostgreSQL database for DBOS's system tables, dropped afterwards."""
    name = f"fanloop_dbos_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as admin_db:
        admin_db.execute(f'CREATE DATABASE "{name}"')
    yield f"{_server_url()}/{name}"
    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as admin_db:
        admin_db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_env(emulator_url: str, system_db: str) -> dict[str, str]:
    env = worker_env(emulator_url, system_db, {"fanloop.ops.worker.DEAD_AFTER_BEATS": 3})
    env["DATABASE_URL"] = f"{_server_url()}/{connection.settings_dict['NAME']}"
    return env


def delivered() -> int:
    return Delivery.objects.filter(state=DeliveryState.DELIVERED).count()


def assert_saved_once(admin: AdminClient, album_id: str, fans: int, log: Path) -> None:
    stats = admin.stats(detail=True)
    album = f"spotify:album:{album_id}"
    saves = {s["user_id"]: s["count"] for s in stats["saves"] if s["item"] == album}
    assert len(saves) == fans, log.read_text()[-3000:]
    assert set(saves.values()) == {1}
    assert stats["duplicate_saves"] == 0
    succeeded = FanEvent.objects.filter(kind=FanEventKind.DELIVERY_SUCCEEDED)
    assert succeeded.count() == fans


def test_a_dead_workers_work_is_recovered_by_another(
    admin: AdminClient, workspace: Workspace, emulator_url: str, system_db: str, tmp_path: Path
) -> None:
    fans = 60
    found = scenario(admin, workspace, fans=fans, live_in_s=1)
    admin.faults(seed=4, latency_ms={"distribution": "uniform", "min": 30, "max": 80})
    env = pg_env(emulator_url, system_db)
    log = tmp_path / "workers.log"
    doomed = start_worker(env, "pg-a", log)
    survivor = start_worker(env, "pg-b", log)
    try:
        wait_for(lambda: delivered() >= fans // 4, 60, "a quarter of the deliveries")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        wait_for(lambda: delivered() == fans, 60, "every delivery")
        wait_for(
            lambda: not WorkerHeartbeat.objects.filter(executor_id="pg-a").exists(),
            30,
            "pg-a to be taken over",
        )
    finally:
        for worker in (doomed, survivor):
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
    assert_saved_once(admin, found.album_id, fans, log)


def test_cut_database_connections_mid_run_still_complete(
    admin: AdminClient, workspace: Workspace, emulator_url: str, system_db: str, tmp_path: Path
) -> None:
    fans = 50
    found = scenario(admin, workspace, fans=fans, live_in_s=1)
    admin.faults(seed=5, latency_ms={"distribution": "uniform", "min": 20, "max": 60})
    env = pg_env(emulator_url, system_db)
    log = tmp_path / "worker.log"
    worker = start_worker(env, "pg-cut", log)
    name = connection.settings_dict["NAME"]
    try:
        for target in (fans // 4, fans // 2):
            wait_for(lambda t=target: delivered() >= t, 60, f"{target} deliveries")  # type: ignore[misc]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                (cut,) = cursor.fetchone()
            assert cut >= 1
        wait_for(lambda: delivered() == fans, 90, "every delivery")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert_saved_once(admin, found.album_id, fans, log)
