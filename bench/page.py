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
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    BIN,
    ROOT,
    fanloop_process_env,
    free_port,
    group_cpu_seconds,
    keep_alive_connection,
    parse_wrk,
    print_result,
    start_process,
    stop_process,
)

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
PAGE_PATH = "/bench-artist/first-light"
STATIC_PATH = "/static/bench/page.html"
BUDGET_BYTES = 30 * 1024


def _env(data_dir: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    database = f"sqlite:///{data_dir / 'fanloop.sqlite3'}"
    return fanloop_process_env(
        data_dir, database, extra={"SITE_URL": f"http://127.0.0.1:{port}", **extra}
    )


SEED = """
import datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", interactive=False, verbosity=0)
from bench._common import seed_artist
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
workspace, artist = seed_artist()
release = Release.objects.create(
    artist=artist, title="First Light", slug="first-light", release_type="ep",
    description="Five songs written on night trains. " * 8,
    label_line="(P) 2030 Bench Records", release_date=timezone.now().date() + dt.timedelta(days=30),
    release_time_zone="Europe/London", published=True,
)
platform_ids.write_release_ids(
    release, {"spotify": "4aawyAB9vmqN3uQ7FjRGTy", "applemusic": "1440857781", "deezer": "302127"}
)
"""


class Server:
    """``fanloop serve`` in its own process group, stopped for sure on exit."""

    def __init__(self, env: dict[str, str], port: int, workers: int, migrate: bool) -> None:
        cmd = [str(BIN / "fanloop"), "serve", "--port", str(port), "--workers", str(workers)]
        if not migrate:
            cmd.append("--no-migrate")
        self.log = tempfile.TemporaryFile()
        self.proc = start_process(cmd, env, self.log)
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
        return group_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        """Graceful stop (SIGTERM to granian, which stops its workers), else kill the group."""
        stop_process(self.proc, timeout=20)


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
    report = parse_wrk(out)
    return {
        "rps": report["rps"],
        "p99_ms": report["p99_ms"],
        "requests": report["requests"],
        "errors": report["non_2xx"] + report["socket_errors"],
    }


async def _python_load(url: str, duration: float, connections: int) -> dict[str, float]:
    """A keep-alive HTTP/1.1 GET loop per connection; bounded by ``duration``."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {BROWSER_UA}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    deadline = time.monotonic() + duration
    started = time.monotonic()
    counts = await asyncio.gather(
        *(
            keep_alive_connection(host, int(port), [request], deadline, latencies)
            for _ in range(connections)
        )
    )
    elapsed = time.monotonic() - started
    errors = sum(bad for _ok, bad in counts)
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
    port = free_port()
    extra = {
        "FANLOOP_TUNING": f"fanloop.analytics.buffer.BUFFER_SECONDS={args.event_buffer_seconds}"
    }
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
    print_result(result)


if __name__ == "__main__":
    main()
