"""A broadcast under kill -9, with real ``fanloop worker`` processes, a SQLite file
database and the real SMTP sink, counted at the sink: killing the worker while it sends
sends no message twice, and the broadcast finishes after a restart (DBOS recovers its
``broadcast.send`` workflow)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from fanloop.flows import engine
from fanloop.lib.tests.migrated import migrated_sqlite
from fanloop.lib.tuning import spec
from fanloop.ops.smtp_sink import SmtpSink, start_sink

from .test_email_chaos import CHAOS, _free_port, _query, _recipients, _wait

FANS = 150
KILLS = (30, 80)


def _accepted(sink: SmtpSink, count: int) -> Callable[[], bool]:
    return lambda: sink.accepted >= count


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CHAOS, "work", "chaos-exec"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _status(db: Path) -> str:
    [(status,)] = _query(db, "SELECT status FROM flows_broadcast")
    return str(status)


@pytest.mark.django_db(transaction=True)
def test_kill_9_during_a_broadcast_sends_nothing_twice_and_it_finishes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = data / "app.sqlite3"
    outbox = tmp_path / "outbox"
    port = _free_port()
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{db}",
        "DBOS_SYSTEM_DATABASE_URL": f"sqlite:///{data / 'dbos.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "FANLOOP_TUNING": spec(
            {
                "fanloop.flows.engine.BROADCAST_TICK_SECONDS": 1,
                "fanloop.messaging.sending_rules.DEFAULT_QUIET_HOURS": "",
                "fanloop.flows.engine.QUEUE_POLL_SECONDS": 0.2,
                "fanloop.flows.engine.BROADCAST_QUEUE_POLL_SECONDS": 0.2,
                "fanloop.flows.broadcasts.BATCH_SIZE": 25,
                # Four parts, two sent at once by the one worker process at each kill.
                "fanloop.flows.broadcasts.PART_SIZE": 40,
                "fanloop.ops.worker.HEARTBEAT_SECONDS": 1,
            }
        ),
    }
    sink = start_sink(outbox, port=port)
    worker: subprocess.Popen[bytes] | None = None
    try:
        migrated_sqlite(db)
        subprocess.run([*CHAOS, "seed-broadcast", str(FANS)], env=env, check=True, timeout=180)
        for threshold in KILLS:
            worker = _start_worker(env)
            _wait(_accepted(sink, threshold), 120, f"{threshold} messages")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            worker = None
        assert _status(db) == "sending"
        worker = _start_worker(env)
        _wait(lambda: _status(db) == "sent", 120, "the broadcast to finish")

        received = _recipients(outbox)
        statuses = {str(status) for (status,) in _query(
            db, "SELECT DISTINCT status FROM messaging_outboundmessage"
        )}  # fmt: skip
        sent = {str(to) for (to,) in _query(
            db, "SELECT \"to\" FROM messaging_outboundmessage WHERE status = 'sent'"
        )}  # fmt: skip
        in_doubt = {str(to) for (to,) in _query(
            db, "SELECT \"to\" FROM messaging_outboundmessage WHERE status = 'uncertain'"
        )}  # fmt: skip
        # Nothing twice; every message recorded sent was received; at most one in doubt
        # per part being sent at a kill (the one being handed over: the one worker process
        # sends at most ``BROADCAST_CONCURRENCY`` parts at once), and every fan accounted
        # for.
        assert set(received.values()) == {1}
        assert statuses <= {"sent", "uncertain"}
        assert len(in_doubt) <= len(KILLS) * engine.BROADCAST_CONCURRENCY
        assert sent <= set(received)
        assert set(received) - sent <= in_doubt
        assert len(sent) + len(in_doubt) == FANS
        [(recipients,)] = _query(db, "SELECT COUNT(*) FROM flows_broadcastrecipient")
        assert recipients == FANS
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=30)
        sink.stop()
