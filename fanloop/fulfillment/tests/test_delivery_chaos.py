"""Chaos: 2,000 fans (half without library-read scope) delivered by two worker processes
under the emulator's faults (5 % 5xx, latency spikes, hangs, 1 % revoked users) and a rate
limit, while workers are killed with -9 (restarted, and once for good: taken over by the
other) and, on PostgreSQL, the workers' database connections are cut twice.

Counted at the emulator: no fan is lost; a fan is saved twice only if its call was in flight
at one of those events (fanloop's in-flight rows, read right after each event), and every
such fan is flagged by fanloop as maybe saved twice. A minute or two per database."""

from __future__ import annotations

import datetime as dt
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.models import Sum

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.ops.models import WorkerHeartbeat

from .engine_helpers import add_fans, scenario, wait_for
from .test_delivery_kill9 import start_worker, worker_env

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

FANS = 2000  # half of them write-only
BATCH_SIZE, CONCURRENCY, THREADS = 50, 3, 4
LIMIT = 3000  # calls per 30 s, at the emulator and as the app's budget
WRITE_ONLY = "user-library-modify"
READS = "user-library-modify user-library-read"


def _server_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"


@pytest.fixture
def system_db(tmp_path: Path) -> Iterator[str]:
    """DBOS's system database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'dbos.sqlite3'}"
        return
    name = f"fanloop_dbos_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as admin_db:
        admin_db.execute(f'CREATE DATABASE "{name}"')
    yield f"{_server_url()}/{name}"
    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as admin_db:
        admin_db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def chaos_env(emulator_url: str, system_db: str) -> dict[str, str]:
    env = worker_env(
        emulator_url,
        system_db,
        {
            "fanloop.fulfillment.services.BATCH_SIZE": BATCH_SIZE,
            "fanloop.fulfillment.services.WORKER_CONCURRENCY": CONCURRENCY,
            "fanloop.fulfillment.deliver.BATCH_THREADS": THREADS,
            "fanloop.fulfillment.deliver.CALL_TIMEOUT_SECONDS": 1.5,
            # A restarted worker takes a few seconds to beat again under load: not dead yet.
            "fanloop.ops.worker.DEAD_AFTER_BEATS": 6,
        },
    )
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"{_server_url()}/{connection.settings_dict['NAME']}"
    return env


def finished() -> int:
    return Delivery.objects.exclude(
        state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
    ).count()


def in_flight() -> set[int]:
    return set(Delivery.objects.filter(in_flight=True).values_list("fan_id", flat=True))


def cut_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
        (cut,) = cursor.fetchone()
    return int(cut)


def test_crashes_lose_nobody_and_repeat_only_the_calls_in_flight(
    admin: AdminClient, workspace: Workspace, emulator_url: str, system_db: str, tmp_path: Path
) -> None:
    found = scenario(
        admin,
        workspace,
        fans=FANS // 2,
        live_in_s=1,
        scopes=READS,
        follow=False,
        limit=LIMIT,
        budget=LIMIT,
        publish=False,
    )
    add_fans(admin, found, FANS // 2, scopes=WRITE_ONLY, follow=False, prefix="wo")
    admin.faults(
        seed=11,
        platforms=["spotify"],
        error_rate={"500": 0.02, "502": 0.015, "503": 0.015},
        latency_ms={"distribution": "exponential", "mean": 5, "max": 400},
        hang_rate=0.002,
        hang_s=4,
        revoked_user_share=0.01,
    )
    env = chaos_env(emulator_url, system_db)
    log = tmp_path / "workers.log"
    workers = {name: start_worker(env, name, log) for name in ("chaos-a", "chaos-b")}
    found.release.published = True
    found.release.save(update_fields=["published", "updated"])  # schedules it (signal)

    postgres = connection.vendor == "postgresql"
    doubtful: set[int] = set()  # fans in flight right after an event
    per_event: list[int] = []
    takeover_s = 0.0

    def kill(name: str, restart: bool) -> None:
        workers[name].send_signal(signal.SIGKILL)
        workers[name].wait(timeout=10)
        caught = in_flight()
        doubtful.update(caught)
        per_event.append(len(caught))
        if restart:
            killed_at = time.time()
            workers[name] = start_worker(env, name, log)
            wait_for(
                lambda: WorkerHeartbeat.objects.filter(
                    executor_id=name, last_seen__gt=dt.datetime.fromtimestamp(killed_at, dt.UTC)
                ).exists(),
                60,
                f"{name} to beat again",
            )

    def drop() -> None:
        assert cut_connections() >= 1
        caught = in_flight()
        doubtful.update(caught)
        per_event.append(len(caught))

    events: list[tuple[float, Callable[[], None]]] = [
        (0.15, lambda: kill("chaos-a", restart=True)),
        (0.30, lambda: kill("chaos-b", restart=True)),
        (0.45, lambda: kill("chaos-a", restart=True)),
        (0.60, lambda: kill("chaos-a", restart=False)),  # for good: chaos-b takes over
    ]
    if postgres:
        events += [(0.50, drop), (0.75, drop)]
    try:
        for share, event in sorted(events, key=lambda e: e[0]):
            target = int(FANS * share)
            wait_for(lambda t=target: finished() >= t, 120, f"{target} outcomes")  # type: ignore[misc]
            started = time.monotonic()
            event()
            if share == 0.60:
                wait_for(
                    lambda: not WorkerHeartbeat.objects.filter(executor_id="chaos-a").exists(),
                    60,
                    "chaos-a to be taken over",
                )
                takeover_s = time.monotonic() - started
        wait_for(lambda: finished() == FANS, 180, "every outcome")
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)

    states = dict(Delivery.objects.values_list("fan_id", "state"))
    assert set(states.values()) <= {DeliveryState.DELIVERED, DeliveryState.NEEDS_RECONNECT}, (
        log.read_text()[-3000:]
    )
    stats = admin.stats(detail=True)
    album = f"spotify:album:{found.album_id}"
    saves = {s["user_id"]: s["count"] for s in stats["saves"] if s["item"] == album}
    user_of = found.users
    delivered = {f for f, s in states.items() if s == DeliveryState.DELIVERED}
    # Lost: none. Every delivered fan has the album at the emulator.
    assert all(saves.get(user_of[f], 0) >= 1 for f in delivered)
    assert len(delivered) >= FANS * 0.97
    # Repeated saves: only fans whose call was in flight at an event, each one flagged.
    fan_of = {u: f for f, u in user_of.items()}
    twice = {fan_of[u] for u, n in saves.items() if n > 1}
    flagged = set(Delivery.objects.filter(in_doubt=True).values_list("fan_id", flat=True))
    assert twice <= doubtful
    assert twice <= flagged
    assert stats["duplicate_saves"] == len(twice) <= len(doubtful)
    assert max(per_event) <= 2 * CONCURRENCY * THREADS  # one row per thread in flight
    # Only write-only fans are saved again blindly: readers are read back first.
    assert all(user_of[f].startswith("wo") for f in flagged)
    assert FanEvent.objects.filter(kind=FanEventKind.DELIVERY_SUCCEEDED).count() == len(delivered)
    repeats = Delivery.objects.aggregate(n=Sum("repeat_calls"))["n"]
    print(
        f"chaos ({connection.vendor}): events={len(per_event)} in flight at them={per_event} "
        f"saved twice={len(twice)} flagged={len(flagged)} repeat calls={repeats} "
        f"takeover={takeover_s:.1f}s"
    )
