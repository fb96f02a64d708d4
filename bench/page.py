"""Benchmark: the public release page against a static file of the same bytes, same server.

Seeds a temporary SQLite database, starts the real server (``fanloop serve``,
granian, 2 worker processes), copies the page's exact bytes into a static file
served by the same server (whitenoise), then drives both URLs with the same
bounded load (``wrk`` when available, else a Python keep-alive generator in a
separate process) and prints one JSON line last:
{"page_rps", "static_rps", "ratio", "page_bytes_gzip", "p99_ms", ...}. Goals:
ratio >= 0.8 and page_bytes_gzip <= 30720 ("goals_met"); the run is bounded in
time, talks to loopback only and stops the server it started.

``--realistic`` spreads the load over 1,000 published releases (half out, half still to
come) instead of one hot page, against 1,000 static files holding each page's own bytes
(so both sides read from as many distinct responses), each request to a random address.
It then measures the release instant: one upcoming release is given an instant a few
seconds ahead, and while the 1,000-page load runs, a prober fetches that page across the
instant. ``switch_errors`` counts the errors of that phase (the prober's and the load's),
``stale_after_s`` is how long after the instant the last pre-release copy of the page was
received (0 when none was); both join the goals (no error, at most 1 s).

    .venv/bin/python bench/page.py [--duration 10] [--connections 16] [--rounds 2]
    .venv/bin/python bench/page.py --realistic --duration 3 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import math
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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
# Realistic mode: how many published releases the load is spread over.
RELEASES = 1000
# The release whose instant passes during the run, and its instant's lead over the start of
# that phase (well over the pages' revalidation second, so the new time is known first).
INSTANT_SLUG = "switch-0000"
INSTANT_LEAD_S = 2.5
STALE_GOAL_S = 1.0


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


SEED_MANY = f"""
import datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", interactive=False, verbosity=0)
from bench._common import seed_artist
from fanloop.catalog.models import Release, ReleaseMode
workspace, artist = seed_artist()
today = timezone.now().date()
releases = []
for n in range({RELEASES}):
    out = n % 2 == 1  # half out already (listen links), half to come (pre-save buttons)
    releases.append(Release(
        artist=artist, title=f"Song number {{n}}", slug=f"song-{{n:04d}}",
        short_code=f"b{{n:06d}}", release_type="single",
        description=f"Song {{n}}, written on night trains. " * 8,
        label_line="(P) 2030 Bench Records",
        release_date=today + dt.timedelta(days=-1 - n if out else 1 + n),
        release_time_zone="Europe/London", published=True,
    ))
# The release whose instant the run moves to a few seconds ahead (global mode, UTC).
releases[0].slug = "{INSTANT_SLUG}"
releases[0].release_mode = ReleaseMode.GLOBAL
releases[0].release_time_zone = "UTC"
Release.objects.bulk_create(releases)
from fanloop.catalog.models import ReleasePlatformId
ids = {{"spotify": "4aawyAB9vmqN3uQ7FjRGTy", "applemusic": "1440857781", "deezer": "302127"}}
ReleasePlatformId.objects.bulk_create(
    ReleasePlatformId(release=r, platform=key, external_id=value)
    for r in releases for key, value in ids.items()
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


def _wrk(
    wrk: str, url: str, duration: int, connections: int, paths: Path | None = None
) -> dict[str, float]:
    """``paths``: a file of addresses (one a line), each request to a random one of them."""
    threads = min(2, connections)
    script: list[str] = []
    if paths is not None:
        lua = paths.with_suffix(".lua")
        lua.write_text(WRK_SPREAD.replace("{paths}", str(paths)))
        script = ["-s", str(lua)]
    out = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
         "--timeout", "5s", "-H", f"User-Agent: {BROWSER_UA}", *script, url],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout  # fmt: skip
    report = parse_wrk(out)
    return {
        "rps": report["rps"],
        "p99_ms": report["p99_ms"],
        "requests": report["requests"],
        "errors": report["non_2xx"] + report["socket_errors"],
    }


# wrk's script for a spread load: each thread draws addresses from the list at random.
WRK_SPREAD = """
local paths = {}
for line in io.lines("{paths}") do paths[#paths + 1] = line end
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
"""


async def _python_load(
    url: str, duration: float, connections: int, paths: list[str] | None = None
) -> dict[str, float]:
    """A keep-alive HTTP/1.1 GET loop per connection; bounded by ``duration``. ``paths``:
    addresses to spread the requests over (each connection in its own random order)."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)

    def requests() -> list[bytes]:
        chosen = list(paths) if paths else [f"/{path}"]
        random.shuffle(chosen)
        return [
            f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {BROWSER_UA}\r\n\r\n".encode()
            for p in chosen
        ]

    latencies: list[float] = []
    deadline = time.monotonic() + duration
    started = time.monotonic()
    counts = await asyncio.gather(
        *(
            keep_alive_connection(host, int(port), requests(), deadline, latencies)
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


def _python_generator(
    url: str, duration: int, connections: int, paths: Path | None = None
) -> dict[str, float]:
    # A separate process, so the generator does not share an interpreter with anything.
    spread = [str(paths)] if paths is not None else []
    out = subprocess.run(
        [sys.executable, __file__, "--generate", url, str(duration), str(connections), *spread],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


# --- the release instant ---------------------------------------------------------


async def _probe(url: str, instant: float, until: float, connections: int) -> dict[str, Any]:
    """GET ``url`` over keep-alive connections until ``until`` (epoch seconds), noting for
    each response when it arrived, its status, and whether it was the pre-release page."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {BROWSER_UA}\r\n\r\n"
    ).encode()
    seen: list[tuple[float, int, bool]] = []  # (arrived, status, pre-release)
    failures = 0

    async def one() -> None:
        nonlocal failures
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
        except OSError:
            failures += 1
            return
        try:
            while time.time() < until:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(length.group(1))) if length else b""
                # The countdown is on the page before release only; the listen section after.
                seen.append((time.time(), int(head[9:12]), b'id="cd"' in body))
        except (OSError, asyncio.IncompleteReadError):
            failures += 1
        finally:
            writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    errors = failures + sum(1 for _at, status, _pre in seen if status != 200)
    late_pre = [at - instant for at, status, pre in seen if status == 200 and pre and at > instant]
    first_post = [at - instant for at, status, pre in seen if status == 200 and not pre]
    return {
        "requests": len(seen),
        "errors": errors,
        "pre_seen": sum(1 for _at, status, pre in seen if status == 200 and pre),
        "post_seen": len(first_post),
        "stale_after_s": round(max(late_pre, default=0.0), 3),
        "first_post_after_s": round(min(first_post), 3) if first_post else None,
    }


def _set_instant(database: Path, slug: str, instant: dt.datetime) -> None:
    """Move the release's instant (global mode, UTC) as an edit from elsewhere would:
    straight in the database, no signal."""
    db = sqlite3.connect(database)
    with db:
        db.execute(
            "UPDATE catalog_release SET release_date = ?, release_time = ? WHERE slug = ?",
            (instant.date().isoformat(), instant.time().isoformat(), slug),
        )
    db.close()


# --- the run --------------------------------------------------------------------


def _page_paths(realistic: bool) -> list[str]:
    if not realistic:
        return [PAGE_PATH]
    slugs = [INSTANT_SLUG] + [f"song-{n:04d}" for n in range(1, RELEASES)]
    return [f"/bench-artist/{slug}" for slug in slugs]


def _static_paths(realistic: bool) -> list[str]:
    if not realistic:
        return [STATIC_PATH]
    return [f"/static/bench/pages/{n:04d}.html" for n in range(RELEASES)]


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
    page_paths, static_paths = _page_paths(args.realistic), _static_paths(args.realistic)
    try:
        seed = SEED_MANY if args.realistic else SEED
        subprocess.run([sys.executable, "-c", seed], env=env, cwd=ROOT, check=True)
        # First start: fetch the pages' exact bytes, then copy them into static files.
        server = Server(env, port, args.workers, migrate=True)
        server.wait_ready(page_paths[-1])
        base = server.base
        with ThreadPoolExecutor(4) as pool:
            bodies = list(pool.map(lambda path: _fetch(base + path), page_paths))
        server.stop()
        for path, body in zip(static_paths, bodies, strict=True):
            static_file = data_dir / path.removeprefix("/")
            static_file.parent.mkdir(parents=True, exist_ok=True)
            static_file.write_bytes(body)
        # Second start: whitenoise indexes the static folder when the server starts.
        server = Server(env, port, args.workers, migrate=False)
        server.wait_ready(static_paths[0])
        assert _fetch(server.base + static_paths[-1]) == bodies[-1], "static copy differs"
        spread = {"static": tmp / "static-paths.txt", "page": tmp / "page-paths.txt"}
        spread["static"].write_text("\n".join(static_paths) + "\n")
        spread["page"].write_text("\n".join(page_paths) + "\n")

        wrk = None if args.python_generator else _ensure_wrk()
        generator = "wrk" if wrk else "python-asyncio"

        def load(kind: str, duration: int) -> dict[str, float]:
            assert server is not None
            paths = spread[kind] if args.realistic else None
            first = static_paths[0] if kind == "static" else page_paths[0]
            url = server.base + ("/" if paths else first)
            cpu = server.cpu_seconds()
            if wrk:
                result = _wrk(wrk, url, duration, args.connections, paths)
            else:
                result = _python_generator(url, duration, args.connections, paths)
            # Server CPU per request: steadier than req/s when the machine is shared.
            result["cpu_us"] = (server.cpu_seconds() - cpu) / max(result["requests"], 1) * 1e6
            return result

        if args.realistic:  # each address six times: nearly every page rendered in both workers
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda path: _fetch(base + path), page_paths * 6))
        for kind in ("static", "page"):  # warm up caches and connections
            load(kind, 2)
        results: dict[str, list[dict[str, float]]] = {"static": [], "page": []}
        for _ in range(args.rounds):  # alternate, so drift hits both equally
            results["static"].append(load("static", args.duration))
            results["page"].append(load("page", args.duration))
        switch = _instant_phase(server, data_dir, args, load) if args.realistic else None
        server.stop()
        server = None
        db = sqlite3.connect(data_dir / "fanloop.sqlite3")
        events = db.execute("SELECT COUNT(*) FROM analytics_event").fetchone()[0]
        db.close()
        return _figures(args, generator, bodies, results, events, switch)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _instant_phase(
    server: Server,
    data_dir: Path,
    args: argparse.Namespace,
    load: Callable[[str, int], dict[str, float]],
) -> dict[str, Any]:
    """The spread page load while one release's instant passes, and a prober on its page."""
    instant = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=INSTANT_LEAD_S)
    _set_instant(data_dir / "fanloop.sqlite3", INSTANT_SLUG, instant)
    until = instant.timestamp() + 3
    duration = max(args.duration, math.ceil(until - time.time()) + 1)
    probe = [
        sys.executable, __file__, "--probe", f"{server.base}/bench-artist/{INSTANT_SLUG}",
        str(instant.timestamp()), str(until), "2",
    ]  # fmt: skip
    with ThreadPoolExecutor(1) as pool:
        prober = pool.submit(
            subprocess.run, probe, capture_output=True, text=True, timeout=60, check=True
        )
        during = load("page", duration)
        probed = json.loads(prober.result().stdout.strip().splitlines()[-1])
    probed["load_errors"] = int(during["errors"])
    probed["load_rps"] = round(during["rps"], 1)
    return probed


def _figures(
    args: argparse.Namespace,
    generator: str,
    bodies: list[bytes],
    results: dict[str, list[dict[str, float]]],
    events: int,
    switch: dict[str, Any] | None,
) -> dict[str, object]:
    page_rps = statistics.mean(r["rps"] for r in results["page"])
    static_rps = statistics.mean(r["rps"] for r in results["static"])
    page_requests = int(sum(r["requests"] for r in results["page"]))
    gzipped = max(len(gzip.compress(body, compresslevel=6)) for body in bodies)
    page_cpu = statistics.mean(r["cpu_us"] for r in results["page"])
    static_cpu = statistics.mean(r["cpu_us"] for r in results["static"])
    goals = page_rps / static_rps >= 0.8 and gzipped <= BUDGET_BYTES
    out: dict[str, object] = {
        "mode": "realistic" if args.realistic else "one-page",
        "pages": len(bodies),
        "generator": generator,
        "workers": args.workers,
        "concurrency": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "event_buffer_seconds": args.event_buffer_seconds,
        "page_bytes": max(len(body) for body in bodies),
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
    }
    if switch is not None:
        switch_errors = int(switch["errors"] + switch["load_errors"])
        out["switch_probe"] = switch
        out["switch_errors"] = switch_errors
        out["stale_after_s"] = switch["stale_after_s"]
        goals = goals and (
            switch_errors == 0
            and switch["stale_after_s"] <= STALE_GOAL_S
            and switch["pre_seen"] > 0
            and switch["post_seen"] > 0
        )
    out.update(
        {
            "page_rps": round(page_rps, 1),
            "static_rps": round(static_rps, 1),
            "ratio": round(page_rps / static_rps, 3),
            "page_bytes_gzip": gzipped,
            "p99_ms": round(max(r["p99_ms"] for r in results["page"]), 2),
            "goals_met": goals,
        }
    )
    return out


def main() -> None:
    if len(sys.argv) in (5, 6) and sys.argv[1] == "--generate":
        url, duration, connections = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        paths = Path(sys.argv[5]).read_text().split() if len(sys.argv) == 6 else None
        print(json.dumps(asyncio.run(_python_load(url, duration, connections, paths))))
        return
    if len(sys.argv) == 6 and sys.argv[1] == "--probe":
        url, instant, until = sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(asyncio.run(_probe(url, instant, until, int(sys.argv[5])))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    # Short alternating rounds: a shared machine's load then weighs on both sides alike.
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--event-buffer-seconds", type=int, default=1)
    parser.add_argument("--python-generator", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--realistic",
        action="store_true",
        help=f"spread over {RELEASES:,} releases, and a release's instant under load",
    )
    result = run(parser.parse_args())
    print_result(result)


if __name__ == "__main__":
    main()
