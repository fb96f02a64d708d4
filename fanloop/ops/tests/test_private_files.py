"""SQLite databases are created readable by fanloop's user only (0600), with their WAL and
shared-memory files, and an existing world-readable one is tightened at start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

TOUCH_BOTH = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE t (x int)")
    cursor.execute("INSERT INTO t VALUES (1)")
import sqlite3
from django.conf import settings
dbos = sqlite3.connect(settings.DBOS_SYSTEM_DATABASE_URL.removeprefix("sqlite:///"))
dbos.execute("PRAGMA journal_mode=WAL")
dbos.execute("CREATE TABLE t (x int)")
dbos.commit()
input()  # keep both open so the -wal and -shm files exist while the test looks
"""


def _run(tmp_path: Path, code: str) -> subprocess.Popen[str]:
    drop = {"DATABASE_URL", "DBOS_SYSTEM_DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["FANLOOP_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_sqlite_databases_and_their_wal_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask: files would be 0644
    try:
        process = _run(tmp_path, TOUCH_BOTH)
    finally:
        os.umask(old)
    data = tmp_path / "data"
    try:
        for _ in range(100):
            if (data / "dbos.sqlite3-wal").exists() and (data / "fanloop.sqlite3-wal").exists():
                break
            if process.poll() is not None:
                raise AssertionError(process.stderr.read() if process.stderr else "")
            time.sleep(0.1)
        files = sorted(p.name for p in data.glob("*.sqlite3*"))
        assert files == [
            "dbos.sqlite3", "dbos.sqlite3-shm", "dbos.sqlite3-wal",
            "fanloop.sqlite3", "fanloop.sqlite3-shm", "fanloop.sqlite3-wal",
        ]  # fmt: skip
        assert {name: _mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        process.communicate("\n", timeout=30)


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "fanloop.sqlite3").write_bytes(b"")
    (data / "fanloop.sqlite3").chmod(0o644)
    process = _run(tmp_path, "import fanloop.settings")
    process.communicate(timeout=60)
    assert process.returncode == 0
    assert _mode(data / "fanloop.sqlite3") == 0o600
