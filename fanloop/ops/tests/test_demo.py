"""``fanloop demo`` starts web, worker and SMTP sink on SQLite, seeded, and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_it_runs_the_whole_demo(tmp_path: Path) -> None:
    port, smtp_port, emulator_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(tmp_path / "data"),
        "WORKER_HEARTBEAT_SECONDS": "1",
    }
    for name in ("DATABASE_URL", "DBOS_SYSTEM_DATABASE_URL", "EMAIL_BACKEND"):
        env.pop(name, None)
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "fanloop.cli", "demo", "--no-browser",
            "--port", str(port), "--smtp-port", str(smtp_port),
            "--emulator-port", str(emulator_port),
        ],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            lines.append(line)
            if "Press Ctrl-C to stop." in line or demo.poll() is not None:
                break
        output = "".join(lines)
        assert "fanloop demo is running" in output, output
        assert "demo@fanloop.local" in output
        base = f"http://127.0.0.1:{port}"
        health = httpx.get(f"{base}/healthz", timeout=10)
        for _ in range(40):
            if health.status_code == 200:
                break
            time.sleep(0.5)
            health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.json()["status"] == "ok", health.text
        page = httpx.get(f"{base}/nova-lights/midnight-signal", timeout=10)
        assert page.status_code == 200
        assert "Midnight Signal" in page.text
        login = httpx.get(f"{base}/accounts/login/", timeout=10)
        assert login.status_code == 200
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            raise
    assert demo.returncode == 0, "".join(lines)
    # Every child is gone with the demo: nothing answers on its ports any more.
    for service_port in (port, emulator_port, smtp_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", service_port)) != 0
