"""What the benchmarks share: the environment of the fanloop processes they start, processes
in their own process groups (started, stopped for sure, measured from /proc), throwaway
databases, free ports, the load generators' plumbing and the JSON line printed last.

A benchmark imports it as ``bench._common`` after putting the repository on ``sys.path``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = "postgres://postgres@127.0.0.1:5432"
# Settings of the shell that must not leak into a benchmark's own fanloop processes.
NOT_INHERITED = frozenset({"DATABASE_URL", "DEBUG", "FANLOOP_PRODUCTION"})


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fanloop_process_env(
    data_dir: Path,
    database_url: str,
    *,
    dbos_url: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a fanloop process a benchmark starts: this one's, minus the
    settings of the shell that ran it, with a throwaway data dir and database."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "fanloop.settings",
            "FANLOOP_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if dbos_url is not None:
        env["DBOS_SYSTEM_DATABASE_URL"] = dbos_url
    env.update(extra or {})
    return env


# --- processes -------------------------------------------------------------------------


def start_process(
    cmd: list[str], env: Mapping[str, str], log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """``cmd`` in its own session (so its process group can be stopped and measured as one),
    run from the repository, its output (stdout and stderr) into ``log`` when given."""
    return subprocess.Popen(
        cmd, env=dict(env), cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT if log is not None else None, start_new_session=True,
    )  # fmt: skip


def stop_process(
    proc: subprocess.Popen[bytes], timeout: float = 30, *, group: bool = False
) -> None:
    """Graceful stop: SIGTERM to the process (``group``: to its whole process group), then,
    after ``timeout`` seconds, SIGKILL to the group."""
    if proc.poll() is not None:
        return
    if group:
        os.killpg(proc.pid, signal.SIGTERM)
    else:
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields of /proc/<pid>/stat after the command name) of every process that is
    still there: ``fields[1]`` parent pid, ``[2]`` process group, ``[11]`` + ``[12]`` CPU
    ticks (user + system)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        yield int(stat.parent.name), fields


def cpu_seconds(fields: list[str]) -> float:
    """CPU seconds (user + system) of one process, from its ``proc_stats`` fields."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by the processes of a process group."""
    return sum(cpu_seconds(fields) for _pid, fields in proc_stats() if int(fields[2]) == pgid)


def worker_process_count(requested: int | None, env: Mapping[str, str]) -> int:
    """Processes a ``fanloop worker`` runs: ``requested`` (a bench's ``--processes``), else
    the worker's own default for ``env`` (``WORKER_PROCESSES``; 0: one per usable core)."""
    from fanloop.ops.supervisor import worker_processes

    return worker_processes(requested, int(env.get("WORKER_PROCESSES") or 0))


def run_internal(
    script: str | Path, env: Mapping[str, str], *argv: str, timeout: float
) -> dict[str, Any]:
    """Run ``<script> --internal ...`` (a benchmark's own Django part) in a subprocess from
    the repository; its last line of stdout, a JSON object."""
    out = subprocess.run(
        [sys.executable, str(script), "--internal", *argv],
        env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.stdout}\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- databases --------------------------------------------------------------------------


def pg_admin(pg_url: str, *statements: str) -> None:
    """Run statements (CREATE / DROP DATABASE) on the server's ``postgres`` database."""
    import psycopg

    with psycopg.connect(f"{pg_url.rstrip('/')}/postgres", autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


@contextmanager
def databases(
    kind: str, data_dir: Path, name: str, pg_url: str = PG_URL
) -> Iterator[tuple[str, str]]:
    """(app URL, DBOS system URL) of one run: two SQLite files in ``data_dir``, or two fresh
    PostgreSQL databases ``<name>_<pid>`` and ``<name>_<pid>_dbos``, dropped on exit."""
    if kind == "sqlite":
        yield f"sqlite:///{data_dir / 'fanloop.sqlite3'}", f"sqlite:///{data_dir / 'dbos.sqlite3'}"
        return
    base = pg_url.rstrip("/")
    names = (f"{name}_{os.getpid()}", f"{name}_{os.getpid()}_dbos")
    drop = [f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)' for db in names]
    pg_admin(base, *drop, *(f'CREATE DATABASE "{db}"' for db in names))
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        if "django.db" in sys.modules:  # this process may hold connections to them
            from django.db import connections

            connections.close_all()
        pg_admin(base, *drop)


# --- seeding (in a process where Django is set up) -------------------------------------


def insert_rows(model: Any, objs: list[Any]) -> None:
    """Insert rows with their ids set (``copy_rows``: COPY on PostgreSQL)."""
    from django.db import connection

    from fanloop.lib.bulk import copy_rows

    fields = list(model._meta.concrete_fields)
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    copy_rows(model, [f.attname for f in fields], rows)


def seed_artist() -> tuple[Any, Any]:
    """(workspace, artist) every benchmark's data starts from: a member owning the workspace
    "Bench Records" and its artist "Bench Artist" (``/bench-artist/``) with a Spotify link."""
    from fanloop.accounts.models import User
    from fanloop.catalog import platform_ids
    from fanloop.catalog.models import Artist
    from fanloop.flows.workspaces import create_workspace

    owner = User.objects.create_user("bench@example.org", "bench-password-123")
    workspace = create_workspace("Bench Records", owner)
    artist = Artist.objects.create(workspace=workspace, name="Bench Artist", slug="bench-artist")
    spotify_id = "0benchArtist000000000001"
    link = f"https://open.spotify.com/artist/{spotify_id}"
    platform_ids.write_artist_ids(artist, {"spotify": (spotify_id, link)})
    return workspace, artist


# --- the SMTP sink's reference (in a process where Django is set up) -------------------


def send_to_sink(port: int, count: int, batch: int, sample: Mapping[str, str]) -> dict[str, Any]:
    """The sink alone: ``count`` messages like ``sample`` (``subject``, ``text`` and ``html``
    bodies, ``unsubscribe``: the List-Unsubscribe value, so the same size), built and sent
    through Django's SMTP backend to the sink on ``port``, one connection per ``batch``."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    started = time.perf_counter()
    for first in range(0, count, batch):
        messages = []
        for i in range(first, min(count, first + batch)):
            message = EmailMultiAlternatives(
                sample["subject"],
                sample["text"],
                None,
                [f"ref{i}@example.org"],
                headers={
                    "List-Unsubscribe": sample["unsubscribe"],
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            message.attach_alternative(sample["html"], "text/html")
            messages.append(message)
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port
        )
        with connection:
            sent = connection.send_messages(messages)
        assert sent == len(messages), f"sink refused {len(messages) - (sent or 0)} messages"
    return {"sent": count, "seconds": time.perf_counter() - started}


# --- load generators --------------------------------------------------------------------


def parse_wrk(out: str) -> dict[str, float]:
    """wrk's report: requests per second, requests, non-2xx/3xx responses, socket errors
    (connect, read, write and timeouts) and, when run with ``--latency``, the 99th
    percentile in milliseconds (NaN without)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests = re.search(r"(\d+) requests in", out)
    if rps is None or requests is None:
        raise SystemExit(f"wrk printed no figures:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(rps.group(1)),
        "requests": int(requests.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
    }


async def keep_alive_connection(
    host: str, port: int, requests: list[bytes], deadline: float, latencies: list[float]
) -> tuple[int, int]:
    """One HTTP/1.1 keep-alive connection sending ``requests`` in turn until ``deadline``
    (``time.monotonic``): appends each latency in seconds; returns (2xx, other) counts."""
    reader, writer = await asyncio.open_connection(host, port)
    ok = bad = i = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        writer.write(requests[i % len(requests)])
        i += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        latencies.append(time.perf_counter() - started)
        if int(head[9:12]) < 300:
            ok += 1
        else:
            bad += 1
    writer.close()
    return ok, bad


# --- output -----------------------------------------------------------------------------


def print_result(result: Mapping[str, Any]) -> None:
    """The benchmark's figures: one JSON line, the last line on stdout."""
    print(json.dumps(result), flush=True)
