"""``fanloop demo`` starts web, worker and SMTP sink on SQLite, seeded, and stops cleanly;
its release-day release is scheduled minutes ahead with a crowd of pre-savers."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check_release_day(database: Path) -> None:
    with sqlite3.connect(database) as db:
        release_id, mode, day, time_of_day = db.execute(
            "select id, release_mode, release_date, release_time from catalog_release"
            " where slug = 'countdown'"
        ).fetchone()
        assert mode == "global"
        instant = dt.datetime.fromisoformat(f"{day}T{time_of_day}+00:00")
        ahead = instant - dt.datetime.now(dt.UTC)
        assert dt.timedelta(minutes=3) < ahead <= dt.timedelta(minutes=6), ahead
        presaves = db.execute(
            "select platform, count(*) from fans_presave where release_id = ? group by platform",
            (release_id,),
        ).fetchall()
        assert dict(presaves) == {"deezer": 10, "spotify": 20}
        waves = db.execute(
            "select rp.platform, w.market, w.status from fulfillment_marketwave w"
            " join fulfillment_releaseplatform rp on rp.id = w.state_id"
            " where rp.release_id = ? order by rp.platform",
            (release_id,),
        ).fetchall()
        assert [(p, m) for p, m, _ in waves] == [("deezer", ""), ("spotify", "")], waves
        # The worker may already be looking (detection starts a few minutes ahead).
        assert all(status in ("scheduled", "detecting") for _, _, status in waves), waves


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_it_runs_the_whole_demo(tmp_path: Path) -> None:
    port, smtp_port, emulator_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(tmp_path / "data"),
        "FANLOOP_TUNING": "fanloop.ops.worker.HEARTBEAT_SECONDS=1",
        # A demo that hangs dumps every thread's stack on SIGABRT (see below).
        "PYTHONFAULTHANDLER": "1",
    }
    for name in ("DATABASE_URL", "DBOS_SYSTEM_DATABASE_URL", "EMAIL_BACKEND"):
        env.pop(name, None)
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "fanloop.cli", "demo", "--no-browser",
            "--port", str(port), "--smtp-port", str(smtp_port),
            "--emulator-port", str(emulator_port),
            "--release-delay-minutes", "5", "--audience-size", "30",
        ],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
        # Ctrl-C as from a terminal: a shell running this suite in the background (`make
        # test &`) starts it with SIGINT ignored, and the demo would inherit that.
        preexec_fn=_sigint_as_from_a_terminal,
    )  # fmt: skip
    lines: list[str] = []
    assert demo.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(demo.stdout or []), daemon=True)
    reader.start()

    def wait_for(text: str, count: int = 1, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and demo.poll() is None:
            if "".join(lines).count(text) >= count:
                break
            time.sleep(0.2)
        return "".join(lines)

    try:
        output = wait_for("Press Ctrl-C to stop.")
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
        # Side by side: the development-mode app's page offers Spotify by email (and its
        # listed testers a connect button, and the Countdown Page), the extended one connects.
        assert "notify?reason=development&amp;platform=spotify" in page.text
        assert ">On the tester list? Connect with Spotify</button>" in page.text
        assert ">Pre-save inside the Spotify app</a>" in page.text
        wide_open = httpx.get(f"{base}/open-door/wide-open", timeout=10)
        assert wide_open.status_code == 200
        assert re.search(
            r'formaction="/connect/spotify/start"[^>]*>(?:<svg.*?</svg>)?Pre-save on Spotify<',
            wide_open.text,
        )
        assert "reason=development" not in wide_open.text
        login = httpx.get(f"{base}/accounts/login/", timeout=10)
        assert login.status_code == 200
        # The scripted audience pre-saves through the real OAuth flow against the emulator.
        output = wait_for("pre-saved on", count=8)
        assert output.count("pre-saved on spotify") == 4, output
        assert output.count("pre-saved on deezer") == 2, output
        assert output.count("pre-saved on tidal") == 2, output
        assert "could not pre-save" not in output, output
        stats = httpx.get(f"http://127.0.0.1:{emulator_port}/_emulator/stats", timeout=10)
        assert stats.status_code == 200
        # The release-day release: a crowd pre-saved it and its delivery is scheduled.
        assert "30 fans are waiting for “Countdown” (10 on Deezer, 20 on Spotify)" in output
        assert f"{base}/w/demo-records/releases/" in output and "/delivery/" in output
        _check_release_day(tmp_path / "data" / "fanloop.sqlite3")
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(demo.pid, signal.SIGABRT)  # where it hangs, into its output
            time.sleep(2)
            os.killpg(demo.pid, signal.SIGKILL)
            raise AssertionError(
                "the demo did not stop within 30 s of Ctrl-C; its output:\n" + "".join(lines)
            ) from None
    assert demo.returncode == 0, "".join(lines)
    # Every child is gone with the demo: nothing answers on its ports any more.
    for service_port in (port, emulator_port, smtp_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", service_port)) != 0
