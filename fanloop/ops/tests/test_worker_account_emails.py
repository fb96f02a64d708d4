"""A real ``fanloop worker`` sends the account emails web requests queued: a sign-up link
and a password reset arrive at a real SMTP server, the unknown address gets nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from fanloop.lib.tests.migrated import migrated_sqlite
from fanloop.ops.smtp_sink import start_sink
from fanloop.ops.supervisor import one_process_command

FANLOOP = [sys.executable, "-m", "fanloop.cli"]

QUEUE = """
from fanloop.accounts import services
from fanloop.accounts.models import User
User.objects.create_user("alice@example.org", "a long passphrase here")
services.request_password_reset("Alice@Example.org")
services.request_password_reset("nobody@example.org")
services.request_signup("new@example.org", "New Band")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_worker_sends_queued_account_emails(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = _free_port()
    sink = start_sink(tmp_path / "sink", port=port)
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'w.sqlite3'}",
        "DBOS_SYSTEM_DATABASE_URL": f"sqlite:///{data / 'dbos.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "FANLOOP_TUNING": "fanloop.accounts.outbox.POLL_SECONDS=0.2",
        "SITE_URL": "https://fans.example.org",
    }
    try:
        migrated_sqlite(data / "w.sqlite3")
        subprocess.run([*FANLOOP, "shell", "-c", QUEUE], env=env, check=True, timeout=60)
        worker = subprocess.Popen(
            one_process_command("mail-exec"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            received: list[Path] = []
            while time.monotonic() < deadline and len(received) < 2:
                time.sleep(0.3)
                received = sorted((tmp_path / "sink").glob("*.eml"))
            time.sleep(1)  # a third message (to the unknown address) would arrive by now
            received = sorted((tmp_path / "sink").glob("*.eml"))
        finally:
            worker.send_signal(signal.SIGTERM)
            out, _ = worker.communicate(timeout=30)
    finally:
        sink.stop()
    assert worker.returncode == 0, out
    bodies = [path.read_text() for path in received]
    assert len(bodies) == 2, bodies  # counted at the SMTP server
    assert sum("https://fans.example.org/accounts/password/reset/" in b for b in bodies) == 1
    assert sum("https://fans.example.org/accounts/signup/finish/" in b for b in bodies) == 1
    assert not any("nobody@example.org" in b for b in bodies)
