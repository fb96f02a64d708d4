"""Per-fan bookkeeping of a batch: each fan is marked in flight just before its call and its
outcome is written as the call returns. A batch that dies mid-way calls again only the fans
whose calls were in flight; those saved again without a read-back are flagged as maybe saved
twice, with the calls spent on the repeat. One hung call holds up one thread, not the batch.

The worker's death is provoked in-process (the adapter's ``save`` raises once the write has
landed at the emulator), so that the moment is exact; ``test_delivery_chaos`` kills real
worker processes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from django.db import connection, connections
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fulfillment import deliver, services
from fanloop.fulfillment.deliver import BatchRunner, Outcome
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.platforms.base import ItemRef, Platform, Tokens

from .engine_helpers import UNPACED_BUDGET, Scenario, scenario, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

WRITE_ONLY = "user-library-modify user-follow-modify"


class Crash(BaseException):
    """The worker dies: raised past every ``except Exception``."""


def claimed_batch(
    admin: AdminClient, workspace: Workspace, fans: int, scopes: str, batches: int = 1
) -> Scenario:
    """A live release with ``fans`` pre-savers, all claimed by ``batches`` batches (no
    worker runs)."""
    found = scenario(
        admin,
        workspace,
        fans=fans,
        live_in_s=0,
        scopes=scopes,
        follow=False,
        budget=UNPACED_BUDGET,
    )
    services.schedule_release(found.release)
    for _ in range(5):
        if services.tick(timezone.now()):
            break
    claimed = set(Delivery.objects.values_list("batch", flat=True))
    assert len(claimed) == batches and "" not in claimed, claimed
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == fans
    return found


def crash_after(runner: BatchRunner, saves: int) -> None:
    """After ``saves`` writes landed, every write that lands kills its thread's worker
    before it hears back (and the batch stops)."""
    lock = threading.Lock()
    landed = [0]
    real_adapter = runner.adapter

    def adapter(client: httpx.Client) -> Platform:
        platform = real_adapter(client)
        real: Callable[[Tokens, list[ItemRef]], None] = platform.save

        def save(tokens: Tokens, items: list[ItemRef]) -> None:
            real(tokens, items)
            with lock:
                landed[0] += 1
                dead = landed[0] > saves
            if dead:
                raise Crash

        platform.save = save  # type: ignore[method-assign]
        return platform

    runner.adapter = adapter


def album_saves(admin: AdminClient, found: Scenario) -> dict[str, int]:
    album = f"spotify:album:{found.album_id}"
    return {
        s["user_id"]: s["count"] for s in admin.stats(detail=True)["saves"] if s["item"] == album
    }


def batch_id() -> str:
    return str(Delivery.objects.values_list("batch", flat=True).first())


def run_crashing(found: Scenario, saves: int) -> None:
    runner = BatchRunner(found.app, batch_id())
    crash_after(runner, saves)
    with pytest.raises(Crash):
        runner.run()


@pytest.fixture
def threads(engine_settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(services, "BATCH_SIZE", 60)
    monkeypatch.setattr(deliver, "BATCH_THREADS", 4)
    return 4


def test_a_crash_leaves_only_the_calls_in_flight_undecided(
    admin: AdminClient, workspace: Workspace, threads: int
) -> None:
    found = claimed_batch(admin, workspace, 60, WRITE_ONLY)
    run_crashing(found, saves=20)
    landed = album_saves(admin, found)
    in_flight = Delivery.objects.filter(in_flight=True)
    delivered = Delivery.objects.filter(state=DeliveryState.DELIVERED)
    # Every write that landed and returned has its outcome; the rest were in flight.
    assert delivered.count() >= 20
    assert 1 <= in_flight.count() <= threads
    assert delivered.count() + in_flight.count() == len(landed)
    assert not delivered.filter(in_flight=True).exists()
    untouched = Delivery.objects.filter(state=DeliveryState.SENDING, in_flight=False)
    assert untouched.count() == 60 - len(landed)


def test_only_the_fans_in_flight_are_saved_again_and_they_are_flagged(
    admin: AdminClient, workspace: Workspace, threads: int
) -> None:
    found = claimed_batch(admin, workspace, 60, WRITE_ONLY)
    run_crashing(found, saves=20)
    doubtful = {
        found.users[fan_id]
        for fan_id in Delivery.objects.filter(in_flight=True).values_list("fan_id", flat=True)
    }
    BatchRunner(found.app, batch_id()).run()  # DBOS runs the step again
    saves = album_saves(admin, found)
    assert len(saves) == 60
    assert {u for u, n in saves.items() if n > 1} == doubtful
    assert admin.stats()["duplicate_saves"] == len(doubtful)
    flagged = Delivery.objects.filter(in_doubt=True)
    assert {found.users[f] for f in flagged.values_list("fan_id", flat=True)} == doubtful
    assert flagged.aggregate(n=Sum("repeat_calls"))["n"] == len(doubtful)
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 60
    assert not Delivery.objects.filter(in_flight=True).exists()


def test_fans_who_allow_reads_are_read_back_not_saved_twice(
    admin: AdminClient, workspace: Workspace, threads: int
) -> None:
    found = claimed_batch(admin, workspace, 40, "user-library-modify user-library-read")
    run_crashing(found, saves=10)
    in_flight = Delivery.objects.filter(in_flight=True).count()
    assert in_flight >= 1
    BatchRunner(found.app, batch_id()).run()
    assert admin.stats()["duplicate_saves"] == 0
    assert len(album_saves(admin, found)) == 40
    assert not Delivery.objects.filter(in_doubt=True).exists()
    # One read-back each (the album had landed: nothing saved again).
    assert Delivery.objects.aggregate(n=Sum("repeat_calls"))["n"] == in_flight


def test_one_hung_call_does_not_hold_up_the_batch(
    admin: AdminClient,
    workspace: Workspace,
    threads: int,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deliver, "CALL_TIMEOUT_SECONDS", 30)
    found = claimed_batch(admin, workspace, 20, WRITE_ONLY)
    # Seed 3 at 5 %: exactly one of the first 30 requests hangs (the 9th), for 8 s.
    admin.faults(seed=3, platforms=["spotify"], hang_rate=0.05, hang_s=8)
    errors: list[Any] = []

    def run() -> None:
        try:
            BatchRunner(found.app, batch_id()).run()
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own

    worker = threading.Thread(target=run)
    worker.start()
    try:
        wait_for(
            lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 19,
            6,
            "every fan but the hung one",
        )
        assert worker.is_alive()  # the hung call is still waiting for its answer
        assert admin.stats()["requests"]["PUT /spotify/v1/me/library"] == {"200": 19}
    finally:
        worker.join(timeout=30)
    assert not errors
    # The 504 after the hang is retried (in doubt: the fan allowed no reads).
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 20


def test_each_thread_of_a_batch_calls_on_a_client_of_its_own(
    admin: AdminClient, workspace: Workspace, threads: int
) -> None:
    """One client shared by every thread made them queue on its connection pool's lock
    (``http.ClientLender``)."""
    found = claimed_batch(admin, workspace, 12, WRITE_ONLY)
    clients: dict[str, int] = {}
    runner = BatchRunner(found.app, batch_id())
    real = runner.adapter

    def adapter(client: httpx.Client) -> Platform:
        clients[threading.current_thread().name] = id(client)
        return real(client)

    runner.adapter = adapter
    runner.run()
    assert len(clients) == threads == deliver.BATCH_THREADS
    assert len(set(clients.values())) == threads  # no two threads share a client
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 12


def test_the_flag_stays_when_another_run_of_the_batch_wrote_the_outcome_first(
    admin: AdminClient, workspace: Workspace, threads: int
) -> None:
    found = claimed_batch(admin, workspace, 12, WRITE_ONLY)
    run_crashing(found, saves=4)
    doubtful = set(Delivery.objects.filter(in_flight=True).values_list("pk", flat=True))
    assert doubtful
    runner = BatchRunner(found.app, batch_id())
    real = runner._call

    def call(platform: Platform, delivery: Delivery) -> Outcome:
        outcome = real(platform, delivery)
        if delivery.pk in doubtful:
            # A second run of the same batch (a worker taken over too early) wrote first.
            Delivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.DELIVERED, in_flight=False
            )
        return outcome

    runner._call = call  # type: ignore[method-assign]
    runner.run()
    flagged = Delivery.objects.filter(in_doubt=True)
    assert set(flagged.values_list("pk", flat=True)) == doubtful
    assert set(flagged.values_list("repeat_calls", flat=True)) == {1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_connection_cut_between_two_fans_costs_no_repeat(
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deliver, "BATCH_THREADS", 1)  # the batch runs on this thread's connection
    found = claimed_batch(admin, workspace, 10, WRITE_ONLY)
    runner = BatchRunner(found.app, batch_id())
    real = runner._call
    cuts = [0]

    def call(platform: Platform, delivery: Delivery) -> Outcome:
        outcome = real(platform, delivery)
        if cuts[0] < 2:  # the server drops the connection while the call is out
            cuts[0] += 1
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            s = connection.settings_dict
            url = f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
            with psycopg.connect(f"{url}/postgres", autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return outcome

    runner._call = call  # type: ignore[method-assign]
    runner.run()
    assert cuts[0] == 2
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 10
    assert admin.stats()["duplicate_saves"] == 0
    assert not Delivery.objects.filter(in_doubt=True).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_each_hand_in_is_one_statement_on_postgresql(
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fan's outcome, its events and the next fan's in-flight mark go in one statement
    (one round trip in autocommit), not an UPDATE each, an INSERT and a COMMIT."""
    monkeypatch.setattr(deliver, "BATCH_THREADS", 1)  # the batch runs on this connection
    found = claimed_batch(admin, workspace, 6, WRITE_ONLY)
    table = Delivery._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        BatchRunner(found.app, batch_id()).run()
    writes = [q["sql"] for q in queries if table in q["sql"] and "UPDATE" in q["sql"]]
    assert len(writes) == 6 + 1  # the first mark, five outcome + mark, the last outcome
    assert not [q for q in queries if q["sql"].startswith("INSERT INTO analytics_fanevent")]
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED, in_flight=False).count() == 6
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    events = FanEvent.objects.filter(release=found.release)
    assert events.filter(kind=FanEventKind.DELIVERY_SUCCEEDED).count() == 6
    assert events.filter(kind=FanEventKind.SAVED, data__via="delivery").count() == 6


def two_batches(
    admin: AdminClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> tuple[BatchRunner, BatchRunner]:
    """Runners of two claimed batches of two fans each (as two workflows of a process)."""
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    found = claimed_batch(admin, workspace, 4, WRITE_ONLY, batches=2)
    first, second = sorted(set(Delivery.objects.values_list("batch", flat=True)))
    return BatchRunner(found.app, first), BatchRunner(found.app, second)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_on_sqlite_the_batches_of_a_process_write_together(
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite writes one transaction at a time: the hand-ins of every batch of a process go
    in one transaction, built before it begins, rows counted rather than read back, and
    every event in one ``INSERT``."""
    first, second = two_batches(admin, workspace, monkeypatch)
    assert first.ledger is second.ledger
    rows = {
        runner: list(Delivery.objects.filter(batch=runner.batch).order_by("pk"))
        for runner in (first, second)
    }
    statements: list[str] = []
    connection.ensure_connection()
    connection.connection.set_trace_callback(statements.append)
    try:
        # Each batch marks its first fan; then both outcomes and both next marks.
        deliver._write_planned(
            [deliver._Entry([], rows[runner][0], runner) for runner in (first, second)]
        )
        statements.clear()
        delivered = Outcome(DeliveryState.DELIVERED, items=["spotify:album:x"])
        entries = [
            deliver._Entry([(rows[runner][0], delivered)], rows[runner][1], runner)
            for runner in (first, second)
        ]
        deliver._write_planned(entries)
    finally:
        connection.connection.set_trace_callback(None)
    begin = next(n for n, sql in enumerate(statements) if sql.startswith("BEGIN"))
    kinds = [sql.split()[0] for sql in statements[begin:]]
    assert kinds == ["BEGIN", "UPDATE", "UPDATE", "UPDATE", "UPDATE", "INSERT", "COMMIT"]
    assert not [sql for sql in statements if "RETURNING" in sql]
    assert all(entry.kept for entry in entries)
    assert first.counts == second.counts == {DeliveryState.DELIVERED: 1}
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 2
    assert Delivery.objects.filter(state=DeliveryState.SENDING, in_flight=True).count() == 2
    assert FanEvent.objects.filter(kind=FanEventKind.SAVED).count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_on_sqlite_a_row_not_ours_rolls_the_shared_write_back_and_each_batch_writes_alone(
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = two_batches(admin, workspace, monkeypatch)
    mine = Delivery.objects.filter(batch=first.batch).order_by("pk")[0]
    taken, kept = Delivery.objects.filter(batch=second.batch).order_by("pk")
    # Another run of the second batch wrote this fan's outcome first.
    Delivery.objects.filter(pk=taken.pk).update(state=DeliveryState.FAILED)
    entries = [
        deliver._Entry([], mine, first),
        deliver._Entry([(taken, Outcome(DeliveryState.DELIVERED))], kept, second),
    ]
    deliver._write_planned(entries)
    assert [entry.kept for entry in entries] == [True, True]
    assert Delivery.objects.get(pk=taken.pk).state == DeliveryState.FAILED
    assert second.counts[DeliveryState.DELIVERED] == 0
    assert set(Delivery.objects.filter(in_flight=True).values_list("pk", flat=True)) == {
        mine.pk,
        kept.pk,
    }
    assert not FanEvent.objects.filter(kind=FanEventKind.SAVED).exists()
