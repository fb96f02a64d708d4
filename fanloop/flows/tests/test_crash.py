"""A worker killed between an email's send and the journey write (and the DBOS checkpoint)
sends that email once: the restarted worker recovers the batch workflow, the email step
finds its outbox row by key and the journey goes on. Real processes, a real SMTP sink."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from fanloop.lib.tests.migrated import migrated_sqlite
from fanloop.lib.tuning import spec
from fanloop.ops.smtp_sink import start_sink
from fanloop.ops.supervisor import one_process_command

PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_crash_between_send_and_checkpoint_sends_once(tmp_path: Path) -> None:
    data, outbox, port = tmp_path / "data", tmp_path / "outbox", _free_port()
    db = data / "app.sqlite3"
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
                "fanloop.flows.engine.TICK_SECONDS": 1,
                "fanloop.messaging.sending_rules.DEFAULT_QUIET_HOURS": "",
                "fanloop.flows.engine.QUEUE_POLL_SECONDS": 0.2,
                "fanloop.ops.worker.HEARTBEAT_SECONDS": 1,
            }
        ),
    }
    sink = start_sink(outbox, port=port)
    worker: subprocess.Popen[str] | None = None
    try:
        migrated_sqlite(db)
        subprocess.run(
            [PYTHON, "-m", "fanloop.flows.tests.crash_worker", "seed"],
            env=env,
            check=True,
            timeout=120,
        )
        crashed = subprocess.run(
            [PYTHON, "-m", "fanloop.flows.tests.crash_worker", "crash", "crash-exec"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert crashed.returncode == 17, crashed.stdout + crashed.stderr
        assert len(list(outbox.glob("*.eml"))) == 1
        assert _query(db, "SELECT status FROM messaging_outboundmessage") == [("sent",)]
        [(state, claimed_by)] = _query(db, "SELECT state, claimed_by FROM flows_journey")
        assert state == "active" and str(claimed_by).startswith("flows-batch-")  # not written

        worker = subprocess.Popen(
            one_process_command("crash-exec"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 90
        states: list[tuple[object, ...]] = []
        while time.monotonic() < deadline:
            states = _query(db, "SELECT state, claimed_by FROM flows_journey")
            if states == [("completed", "")]:
                break
            time.sleep(0.5)
        assert states == [("completed", "")]
        time.sleep(2)  # a second send would have arrived by now
        assert len(list(outbox.glob("*.eml"))) == 1
        assert _query(db, "SELECT outcome FROM flows_journeystep WHERE outcome != 'entered'") == [
            ("passed",)
        ]
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=30)
        sink.stop()
