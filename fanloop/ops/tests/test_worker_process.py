"""``fanloop worker`` launches DBOS on SQLite and beats a heartbeat; SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def test_it_starts_dbos_beats_and_stops_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'w.sqlite3'}",
        "DBOS_SYSTEM_DATABASE_URL": f"sqlite:///{data / 'dbos.sqlite3'}",
        "WORKER_HEARTBEAT_SECONDS": "1",
    }
    fanloop = [sys.executable, "-m", "fanloop.cli"]
    subprocess.run([*fanloop, "migrate", "-v0"], env=env, check=True, timeout=120)
    worker = subprocess.Popen(
        [*fanloop, "worker", "--executor-id", "test-exec"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        rows: list[tuple[str]] = []
        while time.monotonic() < deadline and not rows:
            time.sleep(0.5)
            with sqlite3.connect(data / "w.sqlite3") as db:
                rows = db.execute("SELECT executor_id FROM ops_workerheartbeat").fetchall()
        assert rows == [("test-exec",)]
        assert (data / "dbos.sqlite3").exists()
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, out
    assert "worker test-exec stopped" in out
