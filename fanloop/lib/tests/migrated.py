"""A migrated SQLite database for the tests that start fanloop processes on files of their
own (workers killed and restarted, a server stopped): ``fanloop migrate`` runs once per
test run and each such test gets a copy. Migrating took 5.3 CPU seconds a time and nine
tests of each suite did it.

The copy is made by ``fanloop migrate`` itself, in a separate process, so it is the
database those tests made before; it is kept in the run's data folder (shared by the
xdist workers of one suite, a lock makes one of them build it) under a name that changes
with every migration file, so a kept data folder never hands out an old schema.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

PACKAGE = Path(__file__).resolve().parents[2]


def _schema_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _migrate_into(template: Path) -> None:
    with tempfile.TemporaryDirectory(dir=template.parent) as scratch:
        database = Path(scratch) / "migrated.sqlite3"
        env = {
            **os.environ,
            "FANLOOP_DATA_DIR": scratch,
            "DATABASE_URL": f"sqlite:///{database}",
            "DBOS_SYSTEM_DATABASE_URL": f"sqlite:///{Path(scratch) / 'dbos.sqlite3'}",
        }
        env.pop("PYTEST_CURRENT_TEST", None)
        command = [sys.executable, "-m", "fanloop.cli", "migrate", "-v0"]
        subprocess.run(command, env=env, check=True, timeout=300)
        with sqlite3.connect(database) as db:  # everything in the main file, none in a WAL
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        os.replace(database, template)


def migrated_sqlite(database: Path) -> Path:
    """Put a freshly migrated fanloop database at ``database`` (private, as fanloop makes
    its own files); returns ``database``."""
    folder = Path(settings.DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / f"migrated-{_schema_key()}.sqlite3"
    with open(folder / f"{template.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            _migrate_into(template)
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, database)
    database.chmod(0o600)
    return database
