"""``fanloop worker`` launches DBOS on SQLite and beats a heartbeat; SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from fanloop.lib.tests.migrated import migrated_sqlite
from fanloop.ops.supervisor import one_process_command

FANLOOP = [sys.executable, "-m", "fanloop.cli"]


def _migrated(data: Path) -> dict[str, str]:
    """The environment of a worker on SQLite files in ``data``, migrated."""
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'w.sqlite3'}",
        "DBOS_SYSTEM_DATABASE_URL": f"sqlite:///{data / 'dbos.sqlite3'}",
        "FANLOOP_TUNING": "fanloop.ops.worker.HEARTBEAT_SECONDS=1",
    }
    migrated_sqlite(data / "w.sqlite3")
    return env


def test_it_starts_dbos_beats_and_stops_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = _migrated(data)
    worker = subprocess.Popen(
        one_process_command("test-exec"),
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


def _heartbeats(db_path: Path) -> dict[str, int]:
    try:
        with sqlite3.connect(db_path) as db:
            rows = db.execute("SELECT executor_id, pid FROM ops_workerheartbeat").fetchall()
    except sqlite3.OperationalError:  # not migrated yet, or locked for a moment
        return {}
    return {str(executor_id): int(pid) for executor_id, pid in rows}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by anyone) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_processes_run_under_stable_ids_are_restarted_and_stop_together(tmp_path: Path) -> None:
    """``--processes 2``: two DBOS workers <id>-1 and <id>-2; one killed with SIGKILL comes
    back under the same id; SIGTERM stops the supervisor and both; a supervisor killed
    with SIGKILL takes its processes with it."""
    data = tmp_path / "data"
    db_path = data / "w.sqlite3"
    env = _migrated(data)
    command = [*FANLOOP, "worker", "--processes", "2", "--executor-id", "multi"]
    sup = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _until(lambda: set(_heartbeats(db_path)) == {"multi-1", "multi-2"}, 90, "two beats")
        first = _heartbeats(db_path)
        assert first["multi-1"] != first["multi-2"] != sup.pid

        os.kill(first["multi-1"], signal.SIGKILL)
        _until(
            lambda: _heartbeats(db_path).get("multi-1") not in (None, first["multi-1"]),
            90,
            "multi-1 restarted",
        )
        second = _heartbeats(db_path)
        assert second["multi-2"] == first["multi-2"]  # the other one kept running
        sup.send_signal(signal.SIGTERM)
        out, _ = sup.communicate(timeout=60)
    finally:
        if sup.poll() is None:
            sup.kill()
            sup.communicate()
    text = out.decode()
    assert sup.returncode == 0, text
    assert "worker multi runs 2 processes (multi-1, multi-2)" in text
    assert "worker process multi-1 exited (-9); restarting in 1 s" in text
    assert "worker multi-1 stopped" in text and "worker multi-2 stopped" in text
    assert not _alive(second["multi-1"]) and not _alive(second["multi-2"])

    # Killed for good, the supervisor cannot stop its processes: they notice and stop.
    with sqlite3.connect(db_path) as db:
        db.execute("DELETE FROM ops_workerheartbeat")
    sup = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(lambda: len(_heartbeats(db_path)) == 2, 90, "two beats")
        pids = list(_heartbeats(db_path).values())
    finally:
        sup.kill()
        sup.wait()
    _until(lambda: not any(_alive(pid) for pid in pids), 60, "orphaned processes to stop")
