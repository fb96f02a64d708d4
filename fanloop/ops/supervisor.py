"""``fanloop worker --processes N``: one command that runs N worker processes.

The engine's work (rendering, email, bookkeeping) is CPU-bound Python: one process uses
one core at most. The supervisor starts N ``fanloop worker --processes 1`` children, each
with a stable executor id ``<id>-1`` … ``<id>-N``, so a child that exits is restarted
under the same id and DBOS recovers that child's own pending workflows (a child that
stays down is taken over by a live worker once its heartbeat is stale, as for any
worker). It restarts a child that exits on its own (after 1 s, doubling up to
``MAX_BACKOFF_S`` while the child keeps dying young), stops every child on SIGTERM or
SIGINT (SIGKILL after ``STOP_TIMEOUT_S``), and its children stop by themselves when
the supervisor disappears (they watch their parent, ``PARENT_ENV``).

The supervisor itself touches no database: it only starts, watches and stops processes.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger("fanloop.worker")

# Set in each child's environment to the supervisor's pid: the child stops when its
# parent is no longer that process (the supervisor was killed).
PARENT_ENV = "FANLOOP_WORKER_PARENT"
STOP_TIMEOUT_S = 30.0
MAX_BACKOFF_S = 30.0
# A child that ran at least this long before exiting is restarted after the first delay.
HEALTHY_AFTER_S = 60.0
POLL_S = 0.2


def usable_cpus() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def worker_processes(requested: int | None, configured: int) -> int:
    """The processes to run: ``--processes`` when given, else ``WORKER_PROCESSES``;
    0 means one per usable core. Negative values are refused."""
    value = configured if requested is None else requested
    if value < 0:
        raise ValueError(
            f"the number of worker processes must be 0 (one per core) or more, not {value}"
        )
    return value or usable_cpus()


# ``fanloop worker`` run by this Python: the supervisor's children, and tests' workers.
WORKER_COMMAND = (sys.executable, "-m", "fanloop.cli", "worker")


def one_process_command(executor_id: str, prefix: Sequence[str] = WORKER_COMMAND) -> list[str]:
    """``fanloop worker --processes 1 --executor-id <executor_id>``: one worker process."""
    return [*prefix, "--processes", "1", "--executor-id", executor_id]


def child_executor_id(base: str, index: int) -> str:
    return f"{base}-{index + 1}"


def watch_parent(stop: threading.Event) -> None:
    """In a child: set ``stop`` once the supervisor that started it is gone."""
    raw = os.environ.get(PARENT_ENV, "")
    if not raw.isdigit():
        return
    parent = int(raw)

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                log.warning("worker supervisor %s is gone: stopping", parent)
                stop.set()

    threading.Thread(target=watch, name="fanloop-parent-watch", daemon=True).start()


@dataclass
class Child:
    executor_id: str
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = 0.0
    restart_at: float | None = None
    exits: list[int] = field(default_factory=list)


class Supervisor:
    """Starts ``count`` one-process workers (``command`` + their ids); see the module doc."""

    def __init__(self, base_id: str, count: int, command: list[str] | None = None) -> None:
        self.base_id = base_id
        self.command = command or list(WORKER_COMMAND)
        self.children = [Child(child_executor_id(base_id, i)) for i in range(count)]
        self.stopping = threading.Event()

    def _start(self, child: Child) -> None:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        child.proc = subprocess.Popen(one_process_command(child.executor_id, self.command), env=env)
        child.started_at = time.monotonic()
        child.restart_at = None

    def _exited(self, child: Child, code: int, now: float) -> None:
        child.exits.append(code)
        child.proc = None
        ran = now - child.started_at
        child.backoff_s = (
            1.0 if ran >= HEALTHY_AFTER_S or not child.backoff_s
            else min(child.backoff_s * 2, MAX_BACKOFF_S)
        )  # fmt: skip
        child.restart_at = now + child.backoff_s
        log.warning(
            "worker process %s exited with %s after %.0f s; restarting in %.0f s",
            child.executor_id, code, ran, child.backoff_s,
        )  # fmt: skip
        print(
            f"fanloop: worker process {child.executor_id} exited ({code}); "
            f"restarting in {child.backoff_s:.0f} s",
            flush=True,
        )

    def step(self, now: float | None = None) -> None:
        """One round: note exited children, restart those whose delay has passed."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.proc is not None:
                code = child.proc.poll()
                if code is not None:
                    self._exited(child, code, now)
            if child.proc is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)

    def stop(self) -> None:
        """SIGTERM every child; SIGKILL those still running after ``STOP_TIMEOUT_S``."""
        running = [c.proc for c in self.children if c.proc is not None]
        for proc in running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker process %s did not stop in time: killed", proc.pid)
                proc.kill()
                proc.wait()

    def run(self) -> int:
        def _stop(signum: int, frame: FrameType | None) -> None:
            self.stopping.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        ids = ", ".join(child.executor_id for child in self.children)
        print(
            f"fanloop: worker {self.base_id} runs {len(self.children)} processes ({ids})",
            flush=True,
        )
        try:
            for child in self.children:
                self._start(child)
            while not self.stopping.wait(POLL_S):
                self.step()
        finally:
            self.stop()
        print(f"fanloop: worker {self.base_id} and its processes stopped", flush=True)
        return 0
