"""Benchmark: release-day delivery by real ``fanloop worker`` processes, counted by the emulator.

Sets up a throwaway database (a SQLite file, or fresh PostgreSQL databases created and dropped
at 127.0.0.1:5432), runs ``fanloop migrate``, starts the emulator and ``--workers`` workers
(distinct executor ids), seeds N emulator users with tokens and the matching fanloop rows in
bulk (workspace, artist, Spotify app, fans, connections with encrypted tokens), then runs:

1. limited: a release whose instant just passed, pre-saved by all N fans, published and
   scheduled, against an emulator app limited to L calls per rolling 30 s and a fanloop app
   whose budget is L. ``utilization`` = (accepted library writes / time from the first to
   the last one) / (L / 30); ``share_429`` = 429s / all Spotify API requests; ``lost`` = fans
   the emulator has no save of the album for; ``duplicated`` = fans it saved it twice for.
2. unlimited: the same with a second release, no emulator limit and a huge budget:
   ``fans_per_s`` = fans saved / time from the first to the last accepted write.
3. bare: the workers are stopped, then a pooled ``httpx.Client`` in ``--bare-threads`` threads
   makes the same ``PUT /v1/me/library?uris=spotify:album:…`` call per fan with the same
   tokens (a third album, so the emulator does the same work): ``bare_fans_per_s``;
   ``overhead_ratio`` = fans_per_s / bare_fans_per_s.

Workers: by default as many single-process workers as ``fanloop worker`` runs processes
by default (``WORKER_PROCESSES`` 0: one per usable core, 2 on a 2-core machine), which is
what an operator runs: the delivery path is CPU-bound Python, one process uses one core at
most (one ``fanloop worker`` with N processes starts the same N single-process workers).
``--workers 1`` gives the one-process figure; the bare reference keeps its rule
(``fulfillment.services.WORKER_CONCURRENCY`` threads per worker).

Every figure comes from the emulator's counters (``stats``), sampled while the phase runs;
first/last write instants are bracketed by samples (the duration used is the longer, safe
bound). CPU per fan (worker processes vs the bare loop, from /proc) and the load average
are reported too: rates move with whatever else runs on the machine, CPU per fan much less.
Prints progress on stderr and one JSON line last.

    .venv/bin/python bench/delivery.py [--db sqlite|postgres] [--workers N] [--fans N]
                                       [--limit L] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    cpu_seconds,
    databases,
    fanloop_process_env,
    print_result,
    proc_stats,
    stop_process,
    worker_process_count,
)
from emulator.testing import AdminClient, run_emulator  # noqa: E402

BIN = Path(sys.executable).parent
# One process per worker: --workers N is N single-process workers (the figures before).
WORKER_COMMAND = [str(BIN / "fanloop"), "worker", "--processes", "1"]
CLIENT_ID = "benchdelivery0000000000000000001"
SCOPES = "user-library-modify user-library-read"
WRITE_ROUTE = "PUT /spotify/v1/me/library"
# The goals ("goals_met" is true when every one is met).
GOAL_UTILIZATION = 0.97
GOAL_SHARE_429 = 0.005
GOAL_OVERHEAD_RATIO = 0.5
HUGE_BUDGET = 1_000_000_000
# 20,000 fans at 8,000 calls per 30 s (267/s): about 75 s of delivery.
DEFAULT_LIMIT = 8000
DEFAULT_QUICK_LIMIT = 4000
# One album (and release) per phase: each phase saves a fresh item for every fan.
UPCS = {"limited": "840000000017", "unlimited": "840000000024", "bare": "840000000031"}
FINAL_STATES = ("delivered", "needs_reconnect", "failed")


def log(message: str) -> None:
    print(f"[delivery {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes and databases ----------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, float, str]]:
    """pid → (parent pid, CPU seconds used so far, command line), from /proc."""
    table: dict[int, tuple[int, float, str]] = {}
    for pid, fields in proc_stats():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        table[pid] = (int(fields[1]), cpu_seconds(fields), cmdline)
    return table


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds used so far by these processes and all their descendants."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu, _cmd) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


def emulator_pids() -> list[int]:
    """The emulator started by this process (``run_emulator`` keeps no handle for us)."""
    me = os.getpid()
    return [
        pid for pid, (ppid, _c, cmd) in _proc_table().items() if ppid == me and "-m emulator" in cmd
    ]


class Worker:
    """One ``fanloop worker`` in its own process group, logging to a file."""

    def __init__(self, env: dict[str, str], executor_id: str, log_dir: Path) -> None:
        self.executor_id = executor_id
        self.log_path = log_dir / f"{executor_id}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [*WORKER_COMMAND, "--executor-id", executor_id],
            env={**env, "WORKER_EXECUTOR_ID": executor_id}, cwd=ROOT,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGTERM (the worker destroys DBOS and exits), else kill the whole group."""
        stop_process(self.proc, group=True)
        self.log.close()


def fanloop_env(tmp: Path, db_url: str, dbos_url: str, emulator: str) -> dict[str, str]:
    """The environment shared by this process (Django set up in-process) and the workers."""
    from cryptography.fernet import Fernet

    return fanloop_process_env(
        tmp,
        db_url,
        dbos_url=dbos_url,
        extra={
            # Explicit keys: every process must decrypt the tokens this one encrypts.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FANLOOP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "PLATFORM_EMULATOR_URL": emulator,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
    )


# --- seeding ----------------------------------------------------------------------------


@dataclass
class Seed:
    user_ids: list[str]  # emulator (Spotify) user ids
    tokens: list[str]  # their access tokens, index-aligned
    albums: dict[str, str]  # phase → Spotify album id
    artist_id: int = 0  # fanloop rows, filled by seed_fanloop
    app_id: int = 0
    fan_ids: list[int] = field(default_factory=list)  # index-aligned with user_ids
    connection_ids: list[int] = field(default_factory=list)


def register_app(admin: AdminClient, limit: int | None) -> None:
    """(Re-)register the emulator app: extended mode, so no per-user cap or registration."""
    admin.app(
        platform="spotify",
        client_id=CLIENT_ID,
        client_secret="bench-secret",
        redirect_uris=["http://127.0.0.1/connect/spotify/callback"],
        mode="extended",
        rate_limit={"limit": limit, "window_s": 30},
    )


def seed_emulator(admin: AdminClient, n: int, instant: dt.datetime) -> Seed:
    register_app(admin, None)
    albums = [
        {
            "key": key,
            "name": f"Delivery bench {key}",
            "upc": upc,
            "artists": ["artist"],
            "release_at": instant.isoformat(),
            "tracks": [{"name": f"Track {key}", "isrc": f"QZBNC{i:07d}"}],
        }
        for i, (key, upc) in enumerate(UPCS.items())
    ]
    out = admin.catalog(artists=[{"key": "artist", "name": "Bench Artist"}], albums=albums)
    album_ids = {a["key"]: a["ids"]["spotify"] for a in out["albums"]}
    user_ids = [f"bench{i}" for i in range(n)]
    tokens: list[str] = []
    chunk = 10_000
    for start in range(0, n, chunk):
        part = user_ids[start : start + chunk]
        admin.users([{"platform": "spotify", "id": u, "country": "US"} for u in part])
        minted = admin.tokens(
            [
                {
                    "platform": "spotify",
                    "user_id": u,
                    "client_id": CLIENT_ID,
                    "scopes": SCOPES,
                    "expires_in": 86400,
                }
                for u in part
            ]
        )
        tokens.extend(t["access_token"] for t in minted)
    return Seed(user_ids, tokens, album_ids)


def seed_fanloop(seed: Seed) -> None:
    """Workspace, artist, app and one fan + encrypted connection per emulator user, in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from fanloop.accounts.models import User
    from fanloop.catalog.models import Artist
    from fanloop.fans.models import Fan, PlatformConnection
    from fanloop.flows.models import Flow, FlowStatus
    from fanloop.flows.workspaces import create_workspace
    from fanloop.platforms.models import PlatformApp

    now = timezone.now()
    with transaction.atomic():
        owner = User.objects.create_user("bench@example.org", "bench-password-123")
        workspace = create_workspace("Delivery Bench", owner)
        # This bench measures delivery: the workspace's default growth flow (which would
        # start a journey per pre-save and wake it at release) is paused so the worker's
        # CPU goes to delivery alone. bench/flows.py measures the flow engine.
        Flow.objects.filter(workspace=workspace).update(status=FlowStatus.PAUSED)
        artist = Artist.objects.create(workspace=workspace, name="Bench Artist", slug="bench")
        app = PlatformApp.objects.create(
            workspace=workspace,
            platform="spotify",
            name="Bench app",
            client_id=CLIENT_ID,
            client_secret="bench-secret",
            # Development mode: the adapter writes through /me/library, the call the bare
            # loop makes. The emulator's app is extended (no per-user registration list).
            mode="development",
            user_cap=None,
            budget_per_30s=HUGE_BUDGET,
        )
    fans = [
        Fan(workspace=workspace, display_name=f"Bench fan {i}", country="US", created=now)
        for i in range(len(seed.user_ids))
    ]
    fan_ids: list[int] = []
    connection_ids: list[int] = []
    chunk = 2000
    for start in range(0, len(fans), chunk):
        with transaction.atomic():
            part = Fan.objects.bulk_create(fans[start : start + chunk])
            conns = PlatformConnection.objects.bulk_create(
                [
                    PlatformConnection(
                        fan=fan,
                        app=app,
                        platform="spotify",
                        platform_user_id=seed.user_ids[start + k],
                        display_name=fan.display_name,
                        country="US",
                        scopes=SCOPES,
                        access_token=seed.tokens[start + k],
                        refresh_token=f"unused-refresh-{start + k}",
                        token_expires_at=now + dt.timedelta(days=1),
                        authorized_at=now,
                    )
                    for k, fan in enumerate(part)
                ]
            )
        fan_ids.extend(f.pk for f in part)
        connection_ids.extend(c.pk for c in conns)
    seed.artist_id, seed.app_id = artist.pk, app.pk
    seed.fan_ids, seed.connection_ids = fan_ids, connection_ids
    analyze()


def analyze() -> None:
    """Planner statistics for the rows just seeded, as a database that lived before release
    day has them (autovacuum; the PostgreSQL used here may run without it). Without them
    the planner took 20,000 connections of one app for 22 and counted the app's claimed
    deliveries with a nested loop that ran for minutes, stalling the unlimited phase."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def create_release(seed: Seed, key: str, instant: dt.datetime) -> int:
    """An unpublished release with this instant and UPC, pre-saved by every fan."""
    from django.db import transaction

    from fanloop.catalog.models import Release, ReleaseMode
    from fanloop.fans.models import PreSave

    with transaction.atomic():
        release = Release.objects.create(
            artist_id=seed.artist_id,
            title=f"Delivery bench {key}",
            slug=f"bench-{key}",
            upc=UPCS[key],
            release_mode=ReleaseMode.GLOBAL,
            release_date=instant.date(),
            release_time=instant.time(),
            release_time_zone="UTC",
            published=False,
        )
    rows = [
        PreSave(release=release, fan_id=fan_id, platform="spotify", connection_id=conn_id)
        for fan_id, conn_id in zip(seed.fan_ids, seed.connection_ids, strict=True)
    ]
    for start in range(0, len(rows), 5000):
        with transaction.atomic():
            PreSave.objects.bulk_create(rows[start : start + 5000])
    return int(release.pk)


def publish_and_schedule(release_id: int) -> None:
    """What a member does: publish the release; the engine schedules its waves."""
    from fanloop.catalog.models import Release
    from fanloop.catalog.services import publish_release
    from fanloop.fulfillment.services import schedule_release

    release = Release.objects.get(pk=release_id)
    publish_release(release)
    schedule_release(release)


def set_budget(app_id: int, budget: int) -> None:
    from fanloop.platforms.models import PlatformApp

    PlatformApp.objects.filter(pk=app_id).update(budget_per_30s=budget)


def delivery_counts(release_id: int) -> dict[str, int]:
    from django.db.models import Count

    from fanloop.fulfillment.models import Delivery

    rows = Delivery.objects.filter(release_id=release_id).values("state").annotate(n=Count("id"))
    return {r["state"]: r["n"] for r in rows}


def engine_figures(release_id: int) -> dict[str, Any]:
    """What fanloop itself recorded (for diagnosis only: the figures come from the emulator)."""
    from fanloop.fulfillment.models import Delivery, MarketWave, RateGate

    waves = list(
        MarketWave.objects.filter(state__release_id=release_id).values(
            "status", "polls", "started_at", "finished_at"
        )
    )
    gate = RateGate.objects.values("calls", "pauses").first() or {}
    reasons: dict[str, int] = {}
    for reason in (
        Delivery.objects.filter(release_id=release_id)
        .exclude(reason="")
        .values_list("reason", flat=True)[:1000]
    ):
        reasons[reason[:80]] = reasons.get(reason[:80], 0) + 1
    return {
        "deliveries": delivery_counts(release_id),
        "waves": [{k: str(v) for k, v in w.items()} for w in waves],
        "gate": gate,
        "reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:5]),
    }


# --- sampling the emulator ----------------------------------------------------------------


@dataclass
class Sample:
    t: float  # monotonic seconds since the phase started
    writes: int  # accepted (2xx) library writes
    api: int  # all Spotify Web API requests
    limited: int  # 429s


def sample(admin: AdminClient, t0: float) -> Sample:
    s = admin.stats()
    writes = sum(n for code, n in s["requests"].get(WRITE_ROUTE, {}).items() if int(code) < 300)
    api = sum(sum(by.values()) for route, by in s["requests"].items() if "/spotify/v1/" in route)
    return Sample(time.monotonic() - t0, writes, api, int(s["rate_limited"]))


def write_window(samples: list[Sample]) -> tuple[float, float, float]:
    """(start, end, duration) of the accepted writes, bracketed by samples: the last sample
    before the first write and the first sample after the last one (a safe, longer bound)."""
    final = samples[-1].writes
    start = max((s.t for s in samples if s.writes == 0), default=samples[0].t)
    end = min(s.t for s in samples if s.writes == final)
    return start, end, max(end - start, 1e-9)


def steady_rate(samples: list[Sample], lo: float = 0.05, hi: float = 0.95) -> tuple[float, float]:
    """(writes per second, seconds) between the samples where lo and hi of the writes were
    done: the rate once delivery runs, without its ramp-up and its tail."""
    final = samples[-1].writes
    if not final:
        return 0.0, 0.0
    inside = [s for s in samples if lo * final <= s.writes <= hi * final]
    if len(inside) < 2 or inside[-1].t <= inside[0].t:
        return 0.0, 0.0
    first, last = inside[0], inside[-1]
    return (last.writes - first.writes) / (last.t - first.t), last.t - first.t


def saves_of(admin: AdminClient, album_id: str) -> dict[str, int]:
    """Emulator user id → how many times the album was saved for them (since stats/reset)."""
    item = f"spotify:album:{album_id}"
    detail = admin.stats(detail=True)["saves"]
    return {s["user_id"]: s["count"] for s in detail if s["item"] == item}


# --- the phases ----------------------------------------------------------------------------


@dataclass
class Context:
    admin: AdminClient
    seed: Seed
    workers: list[Worker]
    poll_s: float
    timeout_s: float


def run_phase(ctx: Context, key: str, limit: int | None, budget: int) -> dict[str, Any]:
    seed, admin = ctx.seed, ctx.admin
    n = len(seed.fan_ids)
    register_app(admin, limit)
    set_budget(seed.app_id, budget)
    instant = release_instant()
    release_id = create_release(seed, key, instant)
    admin.http.post("/stats/reset").raise_for_status()
    log(f"{key}: scheduling a release pre-saved by {n} fans (limit {limit}, budget {budget})")
    load = os.getloadavg()[0]
    cpu_before = tree_cpu([w.proc.pid for w in ctx.workers]), tree_cpu(emulator_pids())
    t0 = time.monotonic()
    publish_and_schedule(release_id)
    samples = [sample(admin, t0)]
    last_report = 0.0
    completed = False
    while time.monotonic() - t0 < ctx.timeout_s:
        time.sleep(ctx.poll_s)
        samples.append(sample(admin, t0))
        counts = delivery_counts(release_id)
        final = sum(counts.get(state, 0) for state in FINAL_STATES)
        if samples[-1].t - last_report >= 5:
            last_report = samples[-1].t
            log(f"{key}: {samples[-1].t:5.0f}s writes={samples[-1].writes} deliveries={counts}")
        if sum(counts.values()) == n and final == n:
            completed = True
            break
        dead = [w for w in ctx.workers if not w.alive()]
        if dead:
            raise SystemExit(f"worker {dead[0].executor_id} died:\n{dead[0].tail()}")
    wall = time.monotonic() - t0
    worker_cpu = tree_cpu([w.proc.pid for w in ctx.workers]) - cpu_before[0]
    emulator_cpu = tree_cpu(emulator_pids()) - cpu_before[1]
    samples.append(sample(admin, t0))
    saves = saves_of(admin, seed.albums[key])
    writes = samples[-1].writes
    start, _end, duration = write_window(samples) if writes else (0.0, 0.0, 0.0)
    steady, steady_s = steady_rate(samples)
    delivered = sum(1 for u in seed.user_ids if saves.get(u, 0) >= 1)
    out: dict[str, Any] = {
        "completed": completed,
        "wall_s": round(wall, 1),
        "first_write_s": round(start, 2),
        "writes_s": round(duration, 2),
        "accepted_writes": writes,
        "api_requests": samples[-1].api,
        "rate_limited": samples[-1].limited,
        "share_429": round(samples[-1].limited / samples[-1].api, 5) if samples[-1].api else 0.0,
        "fans_saved": delivered,
        "lost": n - delivered,
        "duplicated": sum(1 for c in saves.values() if c > 1),
        "fans_per_s": round(delivered / duration, 1) if writes else 0.0,
        "steady_writes_per_s": round(steady, 1),
        "steady_window_s": round(steady_s, 1),
        # CPU per fan saved: steadier than rates when other work shares the machine.
        "worker_cpu_ms_per_fan": round(worker_cpu * 1000 / max(delivered, 1), 2),
        "emulator_cpu_ms_per_request": round(emulator_cpu * 1000 / max(samples[-1].api, 1), 3),
        "load_avg_1m": round(load, 2),
        "fanloop": engine_figures(release_id),
    }
    if limit:
        allowed = limit / 30
        out["utilization"] = round(writes / duration / allowed, 4) if writes else 0.0
        out["utilization_steady"] = round(steady / allowed, 4)
    return out


def release_instant() -> dt.datetime:
    """Just passed: the release is out, its wave is due at once."""
    return (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)).replace(microsecond=0)


def bare_loop(base: str, tokens: list[str], album_id: str, threads: int) -> dict[str, float]:
    """The same library write per fan with a pooled httpx client in ``threads`` threads."""
    url = f"{base}/spotify/v1/me/library"
    params = {"uris": f"spotify:album:{album_id}"}
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    errors: list[str] = []
    lock = threading.Lock()
    todo = iter(tokens)

    def run(client: httpx.Client) -> None:
        while True:
            with lock:
                token = next(todo, None)
            if token is None:
                return
            r = client.put(url, params=params, headers={"Authorization": f"Bearer {token}"})
            if r.status_code >= 300:
                errors.append(f"{r.status_code} {r.text[:100]}")

    with httpx.Client(timeout=30, limits=limits) as client:
        cpu = time.process_time(), tree_cpu(emulator_pids())
        started = time.monotonic()
        pool = [threading.Thread(target=run, args=(client,)) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.monotonic() - started
        own_cpu = time.process_time() - cpu[0]
        emulator_cpu = tree_cpu(emulator_pids()) - cpu[1]
    return {
        "elapsed_s": elapsed,
        "cpu_s": own_cpu,
        "emulator_cpu_s": emulator_cpu,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def run_bare(ctx: Context, base: str, threads: int) -> dict[str, Any]:
    admin, seed = ctx.admin, ctx.seed
    register_app(admin, None)
    admin.http.post("/stats/reset").raise_for_status()
    log(f"bare: {len(seed.tokens)} library writes in {threads} threads")
    load = os.getloadavg()[0]
    loop = bare_loop(base, seed.tokens, seed.albums["bare"], threads)
    saves = saves_of(admin, seed.albums["bare"])
    saved = sum(1 for u in seed.user_ids if saves.get(u, 0) >= 1)
    return {
        "threads": threads,
        "elapsed_s": round(loop["elapsed_s"], 2),
        "fans_saved": saved,
        "errors": loop["errors"],
        "first_error": loop["first_error"],
        "bare_fans_per_s": round(saved / loop["elapsed_s"], 1),
        "cpu_ms_per_fan": round(loop["cpu_s"] * 1000 / max(saved, 1), 2),
        "emulator_cpu_ms_per_request": round(loop["emulator_cpu_s"] * 1000 / len(seed.tokens), 3),
        "load_avg_1m": round(load, 2),
    }


# --- the run ---------------------------------------------------------------------------------


def wait_for_workers(workers: list[Worker], timeout: float = 120) -> None:
    from fanloop.ops.models import WorkerHeartbeat

    wanted = {w.executor_id for w in workers}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for w in workers:
            if not w.alive():
                raise SystemExit(f"worker {w.executor_id} exited:\n{w.tail()}")
        beating = set(
            WorkerHeartbeat.objects.filter(executor_id__in=wanted).values_list(
                "executor_id", flat=True
            )
        )
        if beating == wanted:
            return
        time.sleep(0.3)
    raise SystemExit("workers did not start:\n" + "\n".join(w.tail() for w in workers))


def run(args: argparse.Namespace) -> dict[str, Any]:
    with ExitStack() as stack:  # unwinds in reverse: workers, databases, emulator, files
        tmp = Path(tempfile.mkdtemp(prefix="fanloop-bench-delivery-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        base = stack.enter_context(run_emulator())
        db_url, dbos_url = stack.enter_context(databases(args.db, tmp, "bench_delivery"))
        env = fanloop_env(tmp, db_url, dbos_url, base)
        admin = AdminClient(base, timeout_s=300)
        stack.callback(admin.close)
        started = time.monotonic()
        subprocess.run([str(BIN / "fanloop"), "migrate", "-v", "0"], env=env, cwd=ROOT,
                       check=True)  # fmt: skip
        os.environ.update(env)
        import django

        django.setup()
        from fanloop.fulfillment import services

        if args.bare_threads is None:  # as many as the workers' delivery batches at once
            args.bare_threads = services.WORKER_CONCURRENCY * args.workers
        seed = seed_emulator(admin, args.fans, release_instant())
        seed_fanloop(seed)
        log(f"seeded {args.fans} fans in {time.monotonic() - started:.1f}s ({args.db})")
        workers = [Worker(env, f"bench-worker-{i}", tmp) for i in range(args.workers)]
        for w in workers:
            stack.callback(w.stop)
        wait_for_workers(workers)
        ctx = Context(admin, seed, workers, args.poll, args.timeout)
        limited = run_phase(ctx, "limited", args.limit, args.limit)
        unlimited = run_phase(ctx, "unlimited", None, HUGE_BUDGET)
        for w in workers:  # the bare loop gets the machine to itself, as fanloop did
            w.stop()
        bare = run_bare(ctx, base, args.bare_threads)
    ratio = unlimited["fans_per_s"] / bare["bare_fans_per_s"] if bare["bare_fans_per_s"] else 0
    lost = limited["lost"] + unlimited["lost"]
    duplicated = limited["duplicated"] + unlimited["duplicated"]
    return {
        "db": args.db,
        "workers": args.workers,
        "fans": args.fans,
        "limit_per_30s": args.limit,
        "utilization": limited.get("utilization", 0.0),
        "utilization_steady": limited.get("utilization_steady", 0.0),
        "window_s": limited["writes_s"],
        "steady_window_s": limited["steady_window_s"],
        "share_429": limited["share_429"],
        "lost": lost,
        "duplicated": duplicated,
        "fans_per_s": unlimited["fans_per_s"],
        "bare_fans_per_s": bare["bare_fans_per_s"],
        "overhead_ratio": round(ratio, 3),
        "bare_threads": args.bare_threads,
        "default_flow": "paused",
        # Client CPU per fan, bare loop / fanloop workers: the overhead without the noise of
        # a shared machine (the emulator's own CPU is in each phase).
        "cpu_ratio": round(bare["cpu_ms_per_fan"] / unlimited["worker_cpu_ms_per_fan"], 3)
        if unlimited["worker_cpu_ms_per_fan"]
        else 0.0,
        "limited": limited,
        "unlimited": unlimited,
        "bare": bare,
        "goals_met": (
            limited["completed"]
            and unlimited["completed"]
            and limited.get("utilization", 0.0) >= GOAL_UTILIZATION
            and limited["share_429"] <= GOAL_SHARE_429
            and lost == 0
            and duplicated == 0
            and ratio >= GOAL_OVERHEAD_RATIO
        ),
    }


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--workers", type=int, help="fanloop worker processes (default: one per usable core)"
    )
    parser.add_argument("--fans", type=int, help="default 20,000 (SQLite), 100,000 (PostgreSQL)")
    parser.add_argument("--limit", type=int, help="emulator limit and fanloop budget per 30 s")
    parser.add_argument("--quick", action="store_true", help="2,000 fans: a smoke run")
    parser.add_argument(
        "--bare-threads",
        type=int,
        help="default: fulfillment.services.WORKER_CONCURRENCY x --workers",
    )
    parser.add_argument("--poll", type=float, help="seconds between emulator samples")
    parser.add_argument("--timeout", type=float, help="seconds per phase (default from N, L)")
    args = parser.parse_args(argv)
    if args.workers is None:  # what ``fanloop worker`` runs by default
        args.workers = worker_process_count(None, os.environ)
    if args.fans is None:
        args.fans = 2000 if args.quick else 100_000 if args.db == "postgres" else 20_000
    if args.limit is None:
        args.limit = DEFAULT_QUICK_LIMIT if args.quick else DEFAULT_LIMIT
    if args.poll is None:
        # A stats call walks every save: sample less often when there are many.
        args.poll = 0.25 if args.fans <= 30_000 else 1.0
    if args.timeout is None:
        args.timeout = 180 + 3 * args.fans / (args.limit / 30)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    result = run(args)
    print_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
