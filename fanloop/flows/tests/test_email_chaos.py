"""Flow email under faults, with real ``fanloop worker`` processes, a SQLite file database
and the real SMTP sink, counted at the sink: an SMTP outage of a few seconds loses
nothing and doubles nothing; kill -9 while sending leaves at most one message per batch
in doubt and sends none twice."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fanloop.lib.tests.migrated import migrated_sqlite
from fanloop.lib.tuning import spec
from fanloop.messaging.tests.provider_standin import Provider, serve_provider
from fanloop.ops.smtp_sink import SmtpSink, start_sink

PYTHON = sys.executable
CHAOS = [PYTHON, "-m", "fanloop.flows.tests.chaos_worker"]
CONCURRENCY = 2  # batches a worker process runs at once


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def _recipients(outbox: Path) -> Counter[str]:
    """Messages the sink accepted, by recipient."""
    seen: Counter[str] = Counter()
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        seen[str(message["To"])] += 1
    return seen


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _accepted(setup: Setup, count: int) -> Callable[[], bool]:
    return lambda: setup.sink.accepted >= count


def _emails(provider: Provider, count: int) -> Callable[[], bool]:
    return lambda: len(provider.emails) >= count


class Setup:
    def __init__(self, tmp_path: Path, fans: int, env: dict[str, str]) -> None:
        data = tmp_path / "data"
        self.db = data / "app.sqlite3"
        self.outbox = tmp_path / "outbox"
        self.fans = fans
        port = _free_port()
        self.env = {
            **os.environ,
            "FANLOOP_DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{self.db}",
            "DBOS_SYSTEM_DATABASE_URL": f"sqlite:///{data / 'dbos.sqlite3'}",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "FANLOOP_TUNING": spec(
                {
                    "fanloop.flows.engine.TICK_SECONDS": 1,
                    "fanloop.messaging.sending_rules.DEFAULT_QUIET_HOURS": "",
                    "fanloop.flows.engine.QUEUE_POLL_SECONDS": 0.2,
                    "fanloop.flows.advance.BATCH_SIZE": 100,
                    "fanloop.flows.engine.WORKER_CONCURRENCY": CONCURRENCY,
                    "fanloop.ops.worker.HEARTBEAT_SECONDS": 1,
                }
            ),
            **env,
        }
        self.sink: SmtpSink = start_sink(self.outbox, port=port)
        self.worker: subprocess.Popen[bytes] | None = None
        migrated_sqlite(self.db)
        subprocess.run([*CHAOS, "seed", str(fans)], env=self.env, check=True, timeout=180)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [*CHAOS, "work", "chaos-exec"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=30)
        self.worker = None

    def statuses(self) -> dict[str, int]:
        rows = _query(self.db, "SELECT status, COUNT(*) FROM messaging_outboundmessage "
                               "GROUP BY status")  # fmt: skip
        return {str(status): int(str(count)) for status, count in rows}

    def finished(self) -> bool:
        [(open_journeys,)] = _query(
            self.db,
            "SELECT COUNT(*) FROM flows_journey WHERE state IN ('active', 'waiting') "
            "OR claimed_by != ''",
        )
        return open_journeys == 0 and _query(self.db, "SELECT COUNT(*) FROM flows_journey") == [
            (self.fans,)
        ]

    def close(self) -> None:
        if self.worker is not None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait(timeout=30)
        self.sink.stop()


@contextmanager
def _setup(tmp_path: Path, fans: int, **env: str) -> Iterator[Setup]:
    setup = Setup(tmp_path, fans, env)
    try:
        yield setup
    finally:
        setup.close()


@pytest.mark.django_db(transaction=True)
def test_an_smtp_outage_of_a_few_seconds_loses_nothing_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    with _setup(tmp_path, fans=400) as setup:
        setup.start_worker()
        _wait(lambda: setup.sink.accepted >= 80, 120, "the first messages")
        setup.sink.stop()  # down: connections refused, the open one dropped
        time.sleep(3)
        setup.sink.start()
        _wait(setup.finished, 180, "every journey to finish")

        received = _recipients(setup.outbox)
        assert setup.statuses() == {"sent": 400}
        assert sorted(received) == sorted(f"fan{i}@example.org" for i in range(400))
        assert set(received.values()) == {1}
        # The outage was met: journeys waited for the mail server and were retried.
        [(deferred,)] = _query(
            setup.db,
            "SELECT COUNT(DISTINCT journey_id) FROM flows_journeystep "
            "WHERE detail LIKE 'deferred (mail server unavailable)%'",
        )
        assert int(str(deferred)) > 0
        assert _query(setup.db, "SELECT COUNT(*) FROM flows_journeystep "
                                "WHERE outcome = 'failed'") == [(0,)]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_kill_9_while_sending_leaves_at_most_one_message_per_batch_in_doubt(
    tmp_path: Path,
) -> None:
    kills = (100, 250, 400)
    with _setup(tmp_path, fans=600) as setup:
        for threshold in kills:
            setup.start_worker()
            _wait(_accepted(setup, threshold), 120, f"{threshold} messages")
            setup.kill_worker()
        setup.start_worker()
        _wait(setup.finished, 240, "every journey to finish")

        statuses = setup.statuses()
        received = _recipients(setup.outbox)
        in_doubt = {str(to) for (to,) in _query(
            setup.db, "SELECT \"to\" FROM messaging_outboundmessage WHERE status = 'uncertain'"
        )}  # fmt: skip
        sent = {str(to) for (to,) in _query(
            setup.db, "SELECT \"to\" FROM messaging_outboundmessage WHERE status = 'sent'"
        )}  # fmt: skip
        # Nothing sent twice, every message recorded sent was received, and only the
        # in-doubt ones (one per batch running at a kill, at most) are unaccounted for.
        assert set(received.values()) == {1}
        assert set(statuses) <= {"sent", "uncertain"}
        assert len(in_doubt) <= len(kills) * CONCURRENCY
        assert sent <= set(received)
        assert set(received) - sent <= in_doubt
        assert len(sent) + len(in_doubt) == 600


@pytest.mark.django_db(transaction=True)
def test_kill_9_with_an_idempotency_key_loses_nothing_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    kills = (100, 250, 400)
    with (
        serve_provider() as provider,
        _setup(
            tmp_path,
            fans=600,
            EMAIL_BACKEND="fanloop.messaging.backends.ResendEmailBackend",
            CHAOS_RESEND_URL=provider.url,
        ) as setup,
    ):
        for threshold in kills:
            setup.start_worker()
            _wait(_emails(provider, threshold), 120, f"{threshold} emails")
            setup.kill_worker()
        setup.start_worker()
        _wait(setup.finished, 240, "every journey to finish")

        # Every message sent, none in doubt; the provider got each key's email once
        # however many times a key was sent (an in-doubt send made again).
        assert setup.statuses() == {"sent": 600}
        assert len(provider.emails) == 600
        recipients = Counter(str(body["to"][0]) for body in provider.emails.values())
        assert sorted(recipients) == sorted(f"fan{i}@example.org" for i in range(600))
        assert len(provider.keys) >= 600
