"""A real server writes its buffered page views when it is stopped gracefully."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fanloop.analytics.tests.factories import BROWSER_UA
from fanloop.lib.tests.migrated import migrated_sqlite

SEED = """
import django
django.setup()
from fanloop.accounts.models import User
from fanloop.flows.workspaces import create_workspace
from fanloop.analytics.tests.factories import make_artist, make_release
owner = User.objects.create_user("stop@example.org", "a-long-password-123")
make_release(make_artist(create_workspace("Stop Records", owner)))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_it_flushes_page_views_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_CURRENT_TEST"}},
        "FANLOOP_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "fanloop.settings",
        # Far longer than the test: only the shutdown flush can write these.
        "FANLOOP_TUNING": "fanloop.analytics.buffer.BUFFER_SECONDS=300",
    }
    migrated_sqlite(data / "fanloop.sqlite3")  # where the server finds it by default
    subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "fanloop.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/nova-lights/midnight-signal"
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(url, headers={"User-Agent": BROWSER_UA}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert first.status_code == 200
        for _ in range(19):
            assert httpx.get(url, headers={"User-Agent": BROWSER_UA}).status_code == 200
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    db = sqlite3.connect(data / "fanloop.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM analytics_event").fetchone()[0] == 20
    db.close()
