"""The worker supervisor's rules, on real child processes (tiny Python programs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fanloop.ops import supervisor
from fanloop.ops.supervisor import Supervisor, child_executor_id, watch_parent, worker_processes

# A stand-in for ``fanloop worker``: records its argv, then sleeps or exits at once.
CHILD = """
import pathlib, sys, time
pathlib.Path(sys.argv[1], sys.argv[-1]).write_text(" ".join(sys.argv[2:]))
if sys.argv[2] == "exit":
    sys.exit(3)
time.sleep(60)
"""


def _command(tmp_path: Path, mode: str) -> list[str]:
    return [sys.executable, "-c", CHILD, str(tmp_path), mode]


def _wait(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_processes_default_to_one_per_usable_core() -> None:
    cores = len(os.sched_getaffinity(0))
    assert worker_processes(None, 0) == cores
    assert worker_processes(0, 3) == cores  # --processes 0 asks for auto too
    assert worker_processes(None, 3) == 3
    assert worker_processes(2, 3) == 2  # the flag wins over the setting
    with pytest.raises(ValueError, match="0 \\(one per core\\) or more"):
        worker_processes(-1, 0)


def test_children_get_stable_ids_and_stop_with_the_supervisor(tmp_path: Path) -> None:
    sup = Supervisor("host-a", 2, _command(tmp_path, "sleep"))
    assert [child.executor_id for child in sup.children] == ["host-a-1", "host-a-2"]
    for child in sup.children:
        sup._start(child)
    try:
        _wait(lambda: (tmp_path / "host-a-2").exists() and (tmp_path / "host-a-1").exists())
        argv = (tmp_path / "host-a-1").read_text()
        assert argv.endswith("--processes 1 --executor-id host-a-1")
    finally:
        sup.stop()
    assert all(child.proc is not None and child.proc.poll() is not None for child in sup.children)


def test_an_exited_child_is_restarted_under_its_id_with_growing_delays(tmp_path: Path) -> None:
    sup = Supervisor("host-b", 1, _command(tmp_path, "exit"))
    [child] = sup.children
    sup._start(child)
    try:
        assert child.proc is not None
        child.proc.wait(timeout=10)
        now = time.monotonic()
        sup.step(now)  # noticed: restart in 1 s, not at once
        assert child.proc is None and child.exits == [3] and child.backoff_s == 1.0
        sup.step(now + 0.5)
        assert child.proc is None
        sup.step(now + 1.0)
        assert child.proc is not None and child.restarts == 1
        child.proc.wait(timeout=10)
        sup.step(now + 1.1)  # died young again: the delay doubles
        assert child.backoff_s == 2.0
        for _ in range(10):  # ... up to the cap
            child.backoff_s = min(child.backoff_s * 2, supervisor.MAX_BACKOFF_S)
        assert child.backoff_s == supervisor.MAX_BACKOFF_S
        # A child that had run a long while before exiting starts over at 1 s.
        sup._start(child)
        assert child.proc is not None
        child.proc.wait(timeout=10)
        sup.step(child.started_at + supervisor.HEALTHY_AFTER_S + 1)
        assert child.backoff_s == 1.0
    finally:
        sup.stop()


def test_a_child_that_ignores_sigterm_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor, "STOP_TIMEOUT_S", 0.5)
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    sup = Supervisor("host-c", 1, [sys.executable, "-c", stubborn])
    [child] = sup.children
    sup._start(child)
    time.sleep(0.5)  # the child has set its handler
    started = time.monotonic()
    sup.stop()
    assert child.proc is not None and child.proc.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10


def test_a_child_stops_when_its_supervisor_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    # A parent pid that is not ours: the watcher sees its parent gone and sets stop.
    monkeypatch.setenv(supervisor.PARENT_ENV, str(os.getppid() + 1_000_000))
    stop = threading.Event()
    watch_parent(stop)
    assert stop.wait(5)


def test_a_child_of_a_live_supervisor_keeps_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(supervisor.PARENT_ENV, str(os.getppid()))
    stop = threading.Event()
    watch_parent(stop)
    assert not stop.wait(1.5)
    stop.set()  # ends the watcher thread


def test_no_parent_watch_without_a_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(supervisor.PARENT_ENV, raising=False)

    def watchers() -> int:
        return sum(t.name == "fanloop-parent-watch" for t in threading.enumerate())

    before = watchers()
    watch_parent(threading.Event())
    assert watchers() == before


def test_child_ids() -> None:
    assert child_executor_id("worker-a", 0) == "worker-a-1"


def test_bad_processes_flag_is_a_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fanloop.cli", "worker", "--processes", "-2"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert "0 (one per core) or more, not -2" in out.stderr
