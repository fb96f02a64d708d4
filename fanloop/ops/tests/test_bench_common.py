"""What the benchmarks share (``bench/_common.py``): their processes are stopped and measured
as a group, their environment leaves the shell's settings out, wrk's report is read whole.
The benchmarks themselves are run by hand (``make bench``), not here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import _common

CHILD = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {code!r}]); {then}"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _ignores_sigterm(pid: int) -> bool:
    """Whether ``pid`` has set SIGTERM to ignored (the ``SigIgn`` mask of its status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & 1 << (signal.SIGTERM - 1))


def _group(pgid: int) -> list[int]:
    return [pid for pid, fields in _common.proc_stats() if int(fields[2]) == pgid]


def _wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_started_process_has_its_own_group_and_is_measured_as_one(tmp_path: Path) -> None:
    busy = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    code = CHILD.format(code=busy, then="time.sleep(30)")
    with (tmp_path / "log").open("wb") as log:
        proc = _common.start_process([sys.executable, "-c", code], os.environ, log)
    try:
        assert os.getpgid(proc.pid) == proc.pid != os.getpgid(0)
        _wait_for(lambda: len(_group(proc.pid)) == 2)
        _wait_for(lambda: _common.group_cpu_seconds(proc.pid) >= 0.3)
    finally:
        _common.stop_process(proc, timeout=5, group=True)
    _wait_for(lambda: not any(_alive(pid) for pid in _group(proc.pid)))


def test_a_process_that_ignores_sigterm_is_killed_with_its_group(tmp_path: Path) -> None:
    stubborn = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"
    code = CHILD.format(code=stubborn, then=stubborn.replace("\n", "; "))
    proc = _common.start_process([sys.executable, "-c", code], os.environ)
    # Both ignore SIGTERM before it is sent (the group has two members from the fork on,
    # before the parent has reached its own ``signal.signal``).
    _wait_for(lambda: [_ignores_sigterm(pid) for pid in _group(proc.pid)] == [True, True])
    started = time.monotonic()
    _common.stop_process(proc, timeout=0.5)
    assert proc.returncode == -9
    assert time.monotonic() - started < 10
    _wait_for(lambda: not any(_alive(pid) for pid in _group(proc.pid)))


def test_stopping_a_process_that_has_exited_does_nothing() -> None:
    proc = _common.start_process([sys.executable, "-c", "pass"], os.environ)
    proc.wait(timeout=30)
    _common.stop_process(proc)
    assert proc.returncode == 0


def test_the_environment_leaves_the_shell_s_settings_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("DATABASE_URL", "DEBUG", "FANLOOP_PRODUCTION"):
        monkeypatch.setenv(name, "from-the-shell")
    monkeypatch.setenv("BENCH_KEPT", "yes")
    env = _common.fanloop_process_env(
        tmp_path, "sqlite:///x.sqlite3", dbos_url="sqlite:///d.sqlite3", extra={"DEBUG": "false"}
    )
    assert env["DATABASE_URL"] == "sqlite:///x.sqlite3"
    assert env["DBOS_SYSTEM_DATABASE_URL"] == "sqlite:///d.sqlite3"
    assert env["FANLOOP_DATA_DIR"] == str(tmp_path)
    assert env["DEBUG"] == "false"
    assert "FANLOOP_PRODUCTION" not in env
    assert env["BENCH_KEPT"] == "yes"
    assert env["PYTHONPATH"] == str(_common.ROOT)
    assert "DBOS_SYSTEM_DATABASE_URL" not in _common.fanloop_process_env(tmp_path, "sqlite://")


def test_a_free_port_can_be_listened_on() -> None:
    import socket

    port = _common.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


WRK_REPORT = """Running 2s test @ http://127.0.0.1:8000/bench-artist/first-light
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.10ms    2.00ms  40.00ms   90.00%
  Latency Distribution
     50%    7.90ms
     75%    8.50ms
     90%    9.10ms
     99%   14.20ms
  3986 requests in 2.00s, 60.00MB read
  Socket errors: connect 1, read 2, write 0, timeout 7
  Non-2xx or 3xx responses: 3
Requests/sec:   1993.00
Transfer/sec:     30.00MB
"""


def test_wrk_s_report_is_read_whole_timeouts_included() -> None:
    report = _common.parse_wrk(WRK_REPORT)
    assert report == {
        "rps": 1993.0,
        "requests": 3986,
        "non_2xx": 3,
        "socket_errors": 10,
        "p99_ms": 14.2,
    }


def test_a_wrk_run_without_figures_stops_the_benchmark() -> None:
    with pytest.raises(SystemExit, match="wrk printed no figures"):
        _common.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_keep_alive_connections_count_answers_by_status() -> None:
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status = 200 if self.path == "/ok" else 404
            body = b"x" * 10
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        for path in ("/ok", "/missing")
    ]
    latencies: list[float] = []
    try:
        deadline = time.monotonic() + 0.5
        # In a thread of its own: a browser test earlier in the run may leave Playwright's
        # event loop running in this one, and asyncio.run() refuses to nest.
        counts: list[tuple[int, int]] = []
        runner = threading.Thread(
            target=lambda: counts.append(
                asyncio.run(
                    _common.keep_alive_connection("127.0.0.1", port, requests, deadline, latencies)
                )
            )
        )
        runner.start()
        runner.join(timeout=30)
        [(ok, bad)] = counts
    finally:
        server.shutdown()
        server.server_close()
    assert ok > 0 and ok - 1 <= bad <= ok
    assert len(latencies) == ok + bad


def test_the_page_benchmark_counts_wrk_timeouts_as_errors(tmp_path: Path) -> None:
    """``bench/page.py`` reads wrk through the shared parser: a timeout is an error."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_page", _common.ROOT / "bench/page.py")
    assert spec and spec.loader
    page = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page)
    fake = tmp_path / "wrk"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{WRK_REPORT}EOF\n")
    fake.chmod(0o755)
    result = page._wrk(str(fake), "http://127.0.0.1:1/", 1, 2)
    assert result["errors"] == 3 + 10
    assert result["requests"] == 3986


def test_benchmarks_run_from_the_command_line() -> None:
    for bench in sorted((_common.ROOT / "bench").glob("[!_]*.py")):
        out = subprocess.run(
            [sys.executable, str(bench), "--help"],
            cwd="/", capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, f"{bench.name}: {out.stderr}"
        assert "usage:" in out.stdout
