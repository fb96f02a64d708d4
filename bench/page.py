"""Benchmark: the public release page against a static file of the same bytes, same server.

Seeds a temporary SQLite database, starts the real server (``fanloop serve``,
granian, 2 worker processes), copies the page's exact bytes into a static file
served by the same server (whitenoise), then drives both URLs with the same
bounded load (``wrk`` when available, else a Python keep-alive generator in a
separate process) and prints one JSON line last:
{"page_rps", "static_rps", "ratio", "page_bytes_gzip", "p99_ms", ...}. Goals:
ratio >= 0.8 and page_bytes_gzip <= 30720 ("goals_met"); the run is bounded in
time, talks to loopback only and stops the server it started.

    .venv/bin/python bench/page.py [--duration 10] [--connections 16] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
PAGE_PATH = "/bench-artist/first-light"
STATIC_PATH = "/static/bench/page.html"
BUDGET_BYTES = 30 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "FANLOOP_PRODUCTION", "FANLOOP_TEST_DB_SUFFIX"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "fanloop.settings",
            "FANLOOP_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'fanloop.sqlite3'}",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


SEED = """
import datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", interactive=False, verbosity=0)
from fanloop.accounts.models import User
from fanloop.accounts.services import create_workspace
from fanloop.catalog.models import Artist, Release
owner = User.objects.create_user("bench@example.org", "bench-password-123")
workspace = create_workspace("Bench Records", owner)
artist = Artist.objects.create(
    workspace=workspace, name="Bench Artist", slug="bench-artist",
    spotify_url="https://open.spotify.com/artist/0benchArtist000000000001",
)
Release.objects.create(
    artist=artist, title="First Light", slug="first-light", release_type="ep",
    description="Five songs written on night trains. " * 8,
    label_line="(P) 2030 Bench Records", release_date=timezone.now().date() + dt.timedelta(days=30),
    release_time_zone="Europe/London", published=True, spotify_album_id="4aawyAB9vmqN3uQ7FjRGTy",
    apple_music_album_id="1440857781", deezer_album_id="302127",
)
"""


class Server:
    """``fanloop serve`` in its own process group, stopped for sure on exit."""

    def __init__(self, env: dict[str, str], port: int, workers: int, migrate: bool) -> None:
        cmd = [str(BIN / "fanloop"), "serve", "--port", str(port), "--workers", str(workers)]
        if not migrate:
            cmd.append("--no-migrate")
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + path, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.log.seek(0)
        raise SystemExit(f"server did not start:\n{self.log.read().decode(errors='replace')}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (its process group), from /proc."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # field 5 of stat: process group id
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Graceful stop (SIGTERM to granian, which stops its workers), else kill the group."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER_UA})
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


# --- load generators ----------------------------------------------------------


def _ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=300)
    return shutil.which("wrk")


def _wrk(wrk: str, url: str, duration: int, connections: int) -> dict[str, float]:
    threads = min(2, connections)
    out = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
         "--timeout", "5s", "-H", f"User-Agent: {BROWSER_UA}", url],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?(\d+) timeout"):
        match = re.search(pattern, out)
        errors += int(match.group(1)) if match else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": rps, "p99_ms": p99_ms, "requests": requests, "errors": errors}


async def _python_load(url: str, duration: float, connections: int) -> dict[str, float]:
    """A keep-alive HTTP/1.1 GET loop per connection; bounded by ``duration``."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {BROWSER_UA}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + duration

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
        writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
    return {
        "rps": len(latencies) / elapsed,
        "p99_ms": p99,
        "requests": len(latencies),
        "errors": errors,
    }


def _python_generator(url: str, duration: int, connections: int) -> dict[str, float]:
    # A separate process, so the generator does not share an interpreter with anything.
    out = subprocess.run(
        [sys.executable, __file__, "--generate", url, str(duration), str(connections)],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


# --- the run --------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="fanloop-bench-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    port = _free_port()
    extra = {"EVENT_BUFFER_SECONDS": str(args.event_buffer_seconds)}
    env = _env(data_dir, port, extra)
    server: Server | None = None
    try:
        subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True)
        # First start: fetch the page's exact bytes, then copy them into a static file.
        server = Server(env, port, args.workers, migrate=True)
        server.wait_ready(PAGE_PATH)
        body = _fetch(server.base + PAGE_PATH)
        server.stop()
        static_file = data_dir / "static" / "bench" / "page.html"
        static_file.parent.mkdir(parents=True, exist_ok=True)
        static_file.write_bytes(body)
        # Second start: whitenoise indexes the static folder when the server starts.
        server = Server(env, port, args.workers, migrate=False)
        server.wait_ready(STATIC_PATH)
        assert _fetch(server.base + STATIC_PATH) == body, "static copy differs"

        wrk = None if args.python_generator else _ensure_wrk()
        generator = "wrk" if wrk else "python-asyncio"

        def load(url: str, duration: int) -> dict[str, float]:
            assert server is not None
            cpu = server.cpu_seconds()
            if wrk:
                result = _wrk(wrk, url, duration, args.connections)
            else:
                result = _python_generator(url, duration, args.connections)
            # Server CPU per request: steadier than req/s when the machine is shared.
            result["cpu_us"] = (server.cpu_seconds() - cpu) / max(result["requests"], 1) * 1e6
            return result

        for path in (STATIC_PATH, PAGE_PATH):  # warm up caches and connections
            load(server.base + path, 2)
        results: dict[str, list[dict[str, float]]] = {"static": [], "page": []}
        for _ in range(args.rounds):  # alternate, so drift hits both equally
            results["static"].append(load(server.base + STATIC_PATH, args.duration))
            results["page"].append(load(server.base + PAGE_PATH, args.duration))
        server.stop()
        server = None
        db = sqlite3.connect(data_dir / "fanloop.sqlite3")
        events = db.execute("SELECT COUNT(*) FROM analytics_event").fetchone()[0]
        db.close()

        page_rps = statistics.mean(r["rps"] for r in results["page"])
        static_rps = statistics.mean(r["rps"] for r in results["static"])
        page_requests = int(sum(r["requests"] for r in results["page"]))
        gzipped = len(gzip.compress(body, compresslevel=6))
        page_cpu = statistics.mean(r["cpu_us"] for r in results["page"])
        static_cpu = statistics.mean(r["cpu_us"] for r in results["static"])
        return {
            "generator": generator,
            "workers": args.workers,
            "concurrency": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "event_buffer_seconds": args.event_buffer_seconds,
            "page_bytes": len(body),
            "page_requests": page_requests,
            "static_requests": int(sum(r["requests"] for r in results["static"])),
            "errors": int(sum(r["errors"] for rs in results.values() for r in rs)),
            "events_recorded": events,
            "static_p99_ms": round(max(r["p99_ms"] for r in results["static"]), 2),
            "round_ratios": [
                round(p["rps"] / s["rps"], 3)
                for p, s in zip(results["page"], results["static"], strict=True)
            ],
            "page_server_cpu_us": round(page_cpu, 1),
            "static_server_cpu_us": round(static_cpu, 1),
            # Server CPU per static request / per page request: steadier than req/s
            # when other work shares the machine.
            "cpu_ratio": round(static_cpu / page_cpu, 3),
            "page_rps": round(page_rps, 1),
            "static_rps": round(static_rps, 1),
            "ratio": round(page_rps / static_rps, 3),
            "page_bytes_gzip": gzipped,
            "p99_ms": round(max(r["p99_ms"] for r in results["page"]), 2),
            "goals_met": page_rps / static_rps >= 0.8 and gzipped <= BUDGET_BYTES,
        }
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--generate":
        url, duration, connections = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(asyncio.run(_python_load(url, duration, connections))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    # Short alternating rounds: a shared machine's load then weighs on both sides alike.
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--event-buffer-seconds", type=int, default=1)
    parser.add_argument("--python-generator", action="store_true", help="do not use wrk")
    result = run(parser.parse_args())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
