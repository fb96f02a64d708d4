"""Benchmark: growth flows on real ``fanloop worker`` processes.

A worker is ``fanloop worker`` as deployed: by default one process per CPU core
(``--processes`` sets it; memory and threads are summed over its processes).

Part 1, memory flat: a worker's resident memory and thread count with 1,000 waiting
journeys, then (a fresh worker, same configuration) with N waiting journeys (100,000 on
SQLite, 1,000,000 with ``--db postgres``), each read from /proc after the worker has run
for ``--settle`` seconds (several engine ticks). Goal: flat.

Part 2, throughput: D journeys (100,000; fewer with ``--quick``) become due at once, their
next step an email step; a counting SMTP sink (aiosmtpd, in its own process) accepts the
messages. ``steps_per_s`` = messages the sink accepted from the worker / seconds from the
moment the journeys became due to the sink's last acceptance. ``sink_per_s`` = as many
messages (``--reference`` sets another count) like the engine's (its template rendered for
one of its fans: the same subject, text + HTML bodies and headers) sent to the same sink,
in the same run, by one process through Django's SMTP backend, one connection per batch of
``--batch``.
``ratio`` = steps_per_s / sink_per_s (goal >= 0.5). The sink counts duplicates (a
recipient seen twice); the outbox's SENT rows must equal the sink's count.

Throwaway data dir; a SQLite file database, or fresh PostgreSQL databases (app + DBOS
system) created and dropped on 127.0.0.1:5432. Servers run in their own process groups and
are stopped on exit. Prints one JSON line last.

    .venv/bin/python bench/flows.py [--db sqlite|postgres] [--journeys N] [--due N] [--quick]
                                    [--processes N] [--workers N] [--reference N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    BIN,
    databases,
    fanloop_process_env,
    free_port,
    insert_rows,
    print_result,
    proc_stats,
    run_internal,
    seed_artist,
    send_to_sink,
    start_process,
    stop_process,
    worker_process_count,
)

SMALL = 1_000
# Threads a worker process may differ by between two runs: DBOS and the engine start pool
# threads lazily (14 to 16 measured across runs), which is not growth with journeys. The
# allowance is per process: a worker of 2 processes has measured 34 to 37.
THREAD_JITTER = 2
WAIT_FLOW = "Bench: waiting"
EMAIL_FLOW = "Bench: due email"
TEMPLATE = "Bench: it's out"
YEAR_S = 365 * 86400
TEXT_BODY = (
    "Hi {{ fan.display_name|default:'there' }},\n\n"
    "{{ release.title }} by {{ artist.name }} is out now. Listen:\n"
    "{% for label, url in listen_links %}{{ label }}: {{ url }}\n{% endfor %}\n"
    "Thank you for pre-saving it.\n"
)


def _say(message: str) -> None:
    """Progress, on stderr (the JSON line on stdout stays the last line)."""
    print(f"bench/flows: {message}", file=sys.stderr, flush=True)


# --- databases -----------------------------------------------------------------


@contextmanager
def run_dir(prefix: str) -> Iterator[tuple[Path, Path, ExitStack]]:
    """A throwaway folder for one run, its ``data`` folder, and the stack the run's
    databases and servers are closed on (last opened first), before the folder goes."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    (tmp / "data").mkdir()
    cleanup = ExitStack()
    try:
        yield tmp, tmp / "data", cleanup
    finally:
        cleanup.close()
        shutil.rmtree(tmp, ignore_errors=True)


def open_databases(
    cleanup: ExitStack, args: argparse.Namespace, data_dir: Path, name: str
) -> Database:
    """The run's databases (``--db``), dropped when ``cleanup`` closes."""
    urls = cleanup.enter_context(databases(args.db, data_dir, name, args.pg_url))
    return Database(args.db, data_dir, *urls)


class Database:
    """Queries on the app and DBOS system databases of one run (``databases``: SQLite
    files, or fresh PostgreSQL databases)."""

    def __init__(self, kind: str, data_dir: Path, url: str, dbos_url: str) -> None:
        self.kind = kind
        self.url = url
        self.dbos_url = dbos_url
        self.path = data_dir / "fanloop.sqlite3"
        self.dbos_path = data_dir / "dbos.sqlite3"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on the app database (``?`` placeholders) in its own transaction."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, timeout=60)
            try:
                with conn:
                    return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.url) as pg:
            cur = pg.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def workflows(self) -> dict[str, int]:
        """Workflows recorded by DBOS so far, by name (the engine's ticks and batches)."""
        sql = "SELECT name, COUNT(*) FROM {}workflow_status GROUP BY name"
        try:
            if self.kind == "sqlite":
                conn = sqlite3.connect(self.dbos_path, timeout=60)
                try:
                    rows = conn.execute(sql.format("")).fetchall()
                finally:
                    conn.close()
            else:
                import psycopg

                with psycopg.connect(self.dbos_url) as pg:
                    rows = pg.execute(sql.format("dbos.")).fetchall()  # type: ignore[arg-type]
        except Exception:  # no system tables yet
            return {}
        return {str(name): int(n) for name, n in rows}

    def now_sql(self) -> str:
        """A timestamp literal for 'now' as Django stores it on this database."""
        if self.kind == "sqlite":
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()) + ".000000"
        return time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime())


def _env(data_dir: Path, db: Database, extra: dict[str, str]) -> dict[str, str]:
    return fanloop_process_env(
        data_dir, db.url, dbos_url=db.dbos_url, extra={"SITE_URL": "http://127.0.0.1:8000", **extra}
    )


def _internal(env: dict[str, str], *argv: str, timeout: float = 3600) -> dict[str, Any]:
    return run_internal(__file__, env, *argv, timeout=timeout)


# --- seeding (runs in a Django subprocess) ----------------------------------------


def _django() -> None:
    import django

    django.setup()


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def seed_base() -> dict[str, Any]:
    """A workspace, an artist and a release, an email template, and the two bench flows."""
    import datetime as dt

    from django.utils import timezone

    from fanloop.catalog import platform_ids
    from fanloop.catalog.models import Release
    from fanloop.flows.models import Flow, FlowStatus, FlowVersion
    from fanloop.flows.steps import validate_steps
    from fanloop.messaging.models import EmailTemplate

    workspace, artist = seed_artist()
    release = Release.objects.create(
        artist=artist, title="First Light", slug="first-light", release_type="ep",
        release_date=timezone.now().date() - dt.timedelta(days=1),
        release_time_zone="Europe/London", published=True,
    )  # fmt: skip
    platform_ids.write_release_ids(
        release, {"spotify": "4aawyAB9vmqN3uQ7FjRGTy", "deezer": "302127"}
    )
    template = EmailTemplate.objects.create(
        workspace=workspace, artist=artist, name=TEMPLATE,
        subject="{{ release.title }} is out", text_body=TEXT_BODY,
    )  # fmt: skip
    flows = {}
    for name, steps in (
        (WAIT_FLOW, [{"id": "w1", "type": "wait", "duration_s": YEAR_S}]),
        (
            EMAIL_FLOW,
            [
                {"id": "w1", "type": "wait", "duration_s": 86400},
                {"id": "e1", "type": "email", "template": template.pk},
                {"id": "w2", "type": "wait", "duration_s": YEAR_S},
            ],
        ),
    ):
        flow = Flow.objects.create(workspace=workspace, artist=artist, name=name)
        steps = validate_steps(steps, workspace=workspace)
        version = FlowVersion.objects.create(flow=flow, number=1, trigger="presaved", steps=steps)
        flow.current_version = version
        flow.status = FlowStatus.ACTIVE
        flow.save()
        flows[name] = {"flow": flow.pk, "version": version.pk}
    return {"workspace": workspace.pk, "artist": artist.pk, "release": release.pk, **flows}


def seed_journeys(flow_name: str, count: int, email: bool) -> dict[str, Any]:
    """``count`` new fans, each with one journey WAITING on the flow's first step until a year
    from now; with ``email``, the fans have a confirmed email address and email consent."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from fanloop.catalog.models import Release
    from fanloop.fans import consents as consent_rule
    from fanloop.fans.models import Consent, ConsentKind, Fan
    from fanloop.flows.models import Flow, Journey, JourneyState

    flow = Flow.objects.select_related("current_version").get(name=flow_name)
    # The journeys are about the artist's release, as pre-save journeys are: its emails
    # carry the release's title and listen links.
    release = Release.objects.get(artist_id=flow.artist_id)
    now = timezone.now()
    due = now + dt.timedelta(seconds=YEAR_S)
    chunk = 50_000
    started = time.monotonic()
    fan_id, journey_id, consent_id = _next_id(Fan), _next_id(Journey), _next_id(Consent)
    prefix = "due" if email else "wait"
    for first in range(0, count, chunk):
        n = min(chunk, count - first)
        fans = [
            Fan(
                id=fan_id + i,
                workspace_id=flow.workspace_id,
                created=now,
                email=f"{prefix}{fan_id + i}@example.org" if email else "",
                email_confirmed_at=now if email else None,
                display_name=f"Fan {fan_id + i}",
                consented=consent_rule.encoded({ConsentKind.EMAIL}) if email else "",
            )
            for i in range(n)
        ]
        journeys = [
            Journey(
                id=journey_id + i,
                version_id=flow.current_version_id,
                flow_id=flow.pk,
                fan_id=fan_id + i,
                release_id=release.pk,
                key=f"bench:{flow.pk}:{fan_id + i}",
                state=JourneyState.WAITING,
                step_index=0,
                due_at=due,
                wait_since=now,
                context={"entered": 0},
                started=now,
            )
            for i in range(n)
        ]
        consents = [
            Consent(
                id=consent_id + i,
                fan_id=fan_id + i,
                kind=ConsentKind.EMAIL,
                granted=True,
                artist_id=flow.artist_id,
                wording_version="bench",
                page="bench",
                wording="Email me about this artist's releases.",
                confirmed_at=now,
                created=now,
            )
            for i in range(n if email else 0)
        ]
        with transaction.atomic():
            insert_rows(Fan, fans)
            insert_rows(Journey, journeys)
            if consents:
                insert_rows(Consent, consents)
        fan_id, journey_id, consent_id = fan_id + n, journey_id + n, consent_id + len(consents)
    _reset_sequences(Fan, Journey, Consent)
    return {"created": count, "seconds": round(time.monotonic() - started, 1)}


def outcome(flow_name: str) -> dict[str, Any]:
    """What the worker left behind for a flow: journeys by state and step, outbox by status."""
    from django.db.models import Count

    from fanloop.flows.models import Flow, Journey
    from fanloop.messaging.models import OutboundMessage

    flow = Flow.objects.get(name=flow_name)
    journeys = Journey.objects.filter(flow=flow).values_list("state", "step_index")
    by_state = journeys.annotate(n=Count("id")).order_by()
    outbox = (
        OutboundMessage.objects.filter(workspace_id=flow.workspace_id, is_test=False)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "journeys": {f"{state}@{step}": n for state, step, n in by_state},
        "outbox": dict(outbox),
    }


def sample_message() -> dict[str, str]:
    """The subject, bodies and List-Unsubscribe header of an email the engine sends in the
    throughput part: the bench template rendered for one of its fans, as ``send_emails``
    renders it (branded layout, tracked links, signed unsubscribe and portal links)."""
    from fanloop.flows.models import Journey
    from fanloop.messaging import rendering
    from fanloop.messaging.models import EmailTemplate

    journey = (
        Journey.objects.filter(flow__name=EMAIL_FLOW)
        .select_related("fan__workspace", "release__artist")
        .order_by("-pk")
        .first()
    )
    assert journey is not None and journey.release is not None
    template = EmailTemplate.objects.get(name=TEMPLATE)
    message_pk = journey.pk  # an id of the same size as the outbox's
    context = rendering.fan_context(
        journey.fan, artist=template.artist, release=journey.release, message_pk=message_pk
    )
    rendered = rendering.render_message(template, context, track_message_pk=message_pk)
    return {
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "unsubscribe": f"<{context['unsubscribe_url']}>",
    }


def reference_send(port: int, count: int, batch: int) -> dict[str, Any]:
    """The sink alone: ``count`` messages like the engine's (``sample_message``: the same
    subject, text + HTML bodies and headers, so the same size), built and sent through
    Django's SMTP backend, one connection per batch of ``batch``."""
    return send_to_sink(port, count, batch, sample_message())


def internal(argv: list[str]) -> None:
    _django()
    command, *rest = argv
    if command == "seed-base":
        result = seed_base()
    elif command == "seed-journeys":
        result = seed_journeys(rest[0], int(rest[1]), rest[2] == "email")
    elif command == "outcome":
        result = outcome(rest[0])
    elif command == "reference":
        result = reference_send(int(rest[0]), int(rest[1]), int(rest[2]))
    else:
        raise SystemExit(f"unknown internal command {command}")
    print(json.dumps(result))


# --- the counting SMTP sink (its own process) ---------------------------------------


class CountingHandler:
    """Accepts every message like the demo's sink, but keeps only counts (no files, no
    printing): total accepted, their bytes, recipients seen more than once, time of the
    last message."""

    def __init__(self) -> None:
        self.accepted = 0
        self.bytes = 0
        self.duplicates = 0
        self.seen: set[str] = set()
        self.last_at = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.seen:
                self.duplicates += 1
            self.seen.add(rcpt)
        self.accepted += 1
        self.bytes += len(envelope.content or b"")
        self.last_at = time.time()
        return "250 Message accepted for delivery"


def run_sink(port: int, stats: Path) -> None:
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    tmp = stats.with_suffix(".tmp")
    try:
        while not stop.wait(0.1):
            tmp.write_text(
                json.dumps(
                    {
                        "accepted": handler.accepted,
                        "bytes": handler.bytes,
                        "duplicates": handler.duplicates,
                        "last_at": handler.last_at,
                    }
                )
            )
            tmp.replace(stats)
    finally:
        controller.stop()


class Sink:
    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.port = free_port()
        self.stats_path = tmp / "sink-stats.json"
        self.proc = start_process(
            [sys.executable, __file__, "--sink", str(self.port), str(self.stats_path)], env
        )
        deadline = time.monotonic() + 30
        while not self.stats_path.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("the SMTP sink did not start")
            time.sleep(0.1)

    def stats(self) -> dict[str, Any]:
        return dict(json.loads(self.stats_path.read_text()))

    def stop(self) -> None:
        stop_process(self.proc)


# --- the worker -------------------------------------------------------------------


def _group_status(pgid: int) -> dict[str, float]:
    """VmRSS, VmHWM and Threads summed over a process group, from /proc/<pid>/status."""
    totals = {"rss_mb": 0.0, "hwm_mb": 0.0, "threads": 0.0, "processes": 0.0}
    for pid, fields in proc_stats():
        if int(fields[2]) != pgid:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        totals["rss_mb"] += int(fields["VmRSS"].split()[0]) / 1024
        totals["hwm_mb"] += int(fields["VmHWM"].split()[0]) / 1024
        totals["threads"] += int(fields["Threads"])
        totals["processes"] += 1
    return totals


@contextmanager
def worker(
    env: dict[str, str], tmp: Path, name: str, processes: int
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``fanloop worker`` (``processes`` processes) in its own process group,
    started (every process beat once) and stopped for sure."""
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        proc = start_process(
            [str(BIN / "fanloop"), "worker", "--processes", str(processes),
             "--executor-id", f"bench-{name}"],
            env, out,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while log.read_bytes().count(b" started") < processes:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker {name} did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.1)
        yield proc
    finally:
        stop_process(proc)
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        if errors:
            print(f"worker {name} logged {len(errors)} tracebacks, see below", file=sys.stderr)
            print(log.read_text()[-4000:], file=sys.stderr)


def measure_memory(
    env: dict[str, str], tmp: Path, db: Database, name: str, settle: float, processes: int
) -> dict[str, Any]:
    """Run a fresh worker for ``settle`` seconds; its /proc figures at the end (summed over
    its processes), and the peak."""
    before = sum(db.workflows().values())
    with worker(env, tmp, name, processes) as proc:
        peak_rss = 0.0
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            peak_rss = max(peak_rss, _group_status(proc.pid)["rss_mb"])
            time.sleep(1)
        status = _group_status(proc.pid)
    return {
        "rss_mb": round(status["rss_mb"], 1),
        "peak_rss_mb": round(max(peak_rss, status["rss_mb"]), 1),
        "threads": int(status["threads"]),
        "processes": int(status["processes"]),
        "workflows_run": sum(db.workflows().values()) - before,
    }


# --- the run -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    with run_dir("fanloop-bench-flows-") as (tmp, data_dir, cleanup):
        db = open_databases(cleanup, args, data_dir, "fanloop_bench_flows")
        base_env = _env(data_dir, db, {})
        sink = Sink(base_env, tmp)
        cleanup.callback(sink.stop)
        env = _env(
            data_dir,
            db,
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(sink.port),
                # Journeys per engine batch = messages per SMTP connection, as in the reference;
                # nothing defers the bench's sends: no quiet hours, no frequency cap.
                "FANLOOP_TUNING": f"fanloop.flows.advance.BATCH_SIZE={args.batch},"
                "fanloop.messaging.sending_rules.DEFAULT_QUIET_HOURS=,"
                "fanloop.messaging.sending_rules.DEFAULT_CAP=0",
                **dict(kv.split("=", 1) for kv in args.worker_env),
            },
        )
        subprocess.run([str(BIN / "fanloop"), "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        _internal(env, "seed-base")
        processes = worker_process_count(args.processes, env)
        _say(f"{args.db} database migrated; SMTP sink on port {sink.port}")
        _say(f"each worker runs {processes} processes")

        # Part 1: the same worker with 1,000 and with N waiting journeys.
        seeded = _internal(env, "seed-journeys", WAIT_FLOW, str(SMALL), "plain")
        small = measure_memory(env, tmp, db, "small", args.settle, processes)
        _say(f"worker with {SMALL:,} waiting journeys: {small}")
        seeded_large = _internal(
            env, "seed-journeys", WAIT_FLOW, str(args.journeys - SMALL), "plain"
        )
        _say(f"seeded {args.journeys:,} waiting journeys ({seeded_large['seconds']} s)")
        large = measure_memory(env, tmp, db, "large", args.settle, processes)
        _say(f"worker with {args.journeys:,} waiting journeys: {large}")
        waiting_left = _internal(env, "outcome", WAIT_FLOW)["journeys"]

        # Part 2: D journeys due at once, next step an email; then the sink alone.
        seeded_due = _internal(env, "seed-journeys", EMAIL_FLOW, str(args.due), "email")
        _say(f"seeded {args.due:,} journeys before an email step; making them due")
        flow_id = db.query("SELECT id FROM flows_flow WHERE name = ?", (EMAIL_FLOW,))[0][0]
        timed_out = False
        before = sink.stats()
        peak = {"rss_mb": 0.0, "threads": 0.0}
        with ExitStack() as stack:
            procs = [
                stack.enter_context(worker(env, tmp, f"throughput-{i}", processes))
                for i in range(args.workers)
            ]
            time.sleep(args.warmup)  # launched and ticking before the journeys fall due
            load_engine = os.getloadavg()[0]
            started = time.time()
            db.query(
                "UPDATE flows_journey SET due_at = ? WHERE flow_id = ?", (db.now_sql(), flow_id)
            )
            deadline = time.monotonic() + args.timeout
            while sink.stats()["accepted"] - before["accepted"] < args.due:
                if time.monotonic() > deadline:
                    timed_out = True
                    break
                for proc in procs:
                    status = _group_status(proc.pid)
                    peak = {key: max(peak[key], status[key]) for key in peak}
                if int(time.time() - started) % 30 == 0:
                    accepted = sink.stats()["accepted"] - before["accepted"]
                    _say(f"sink accepted {accepted:,} of {args.due:,} from the worker")
                time.sleep(0.5)
            time.sleep(0.3)  # the stats file is written every 0.1 s
            after = sink.stats()
            workflows = db.workflows()
            load_engine_end = os.getloadavg()[0]
        delivered = after["accepted"] - before["accepted"]
        engine_seconds = max(after["last_at"] - started, 1e-9)
        if timed_out:
            engine_seconds = max(engine_seconds, args.timeout)
        result = _internal(env, "outcome", EMAIL_FLOW)
        sent_rows = int(result["outbox"].get("sent", 0))

        _say(f"worker: {delivered:,} messages in {engine_seconds:.1f} s; now the sink alone")
        ref_before = sink.stats()
        load_reference = os.getloadavg()[0]
        reference = _internal(
            env, "reference", str(sink.port), str(args.reference), str(args.batch)
        )
        time.sleep(0.3)
        final = sink.stats()
        load_reference_end = os.getloadavg()[0]
        ref_accepted = final["accepted"] - ref_before["accepted"]
        assert ref_accepted == args.reference, f"sink accepted {ref_accepted} of {args.reference}"
        # Mean size of a message as the sink received it, the engine's and the reference's.
        engine_bytes = (after["bytes"] - before["bytes"]) / max(delivered, 1)
        reference_bytes = (final["bytes"] - ref_before["bytes"]) / ref_accepted

        steps_per_s = delivered / engine_seconds
        sink_per_s = args.reference / reference["seconds"]
        rss_ratio = large["rss_mb"] / small["rss_mb"]
        # Flat: memory within 20 %, and no more threads than DBOS's pools start lazily anyway.
        jitter = THREAD_JITTER * processes
        memory_flat = rss_ratio <= 1.2 and large["threads"] <= small["threads"] + jitter
        return {
            "db": args.db,
            "journeys": args.journeys,
            "seed_seconds": round(seeded["seconds"] + seeded_large["seconds"], 1),
            "settle_s": args.settle,
            "worker_small": {"journeys": SMALL, **small},
            "worker_large": {"journeys": args.journeys, **large},
            "waiting_after": waiting_left,
            "rss_mb_small": small["rss_mb"],
            "rss_mb_large": large["rss_mb"],
            "rss_ratio": round(rss_ratio, 3),
            "threads_small": small["threads"],
            "threads_large": large["threads"],
            "due": args.due,
            "due_seed_seconds": seeded_due["seconds"],
            "sink_accepted": delivered,
            "outbox_sent": sent_rows,
            "outbox": result["outbox"],
            "journeys_after": result["journeys"],
            "duplicates": final["duplicates"],
            "timed_out": timed_out,
            "engine_seconds": round(engine_seconds, 2),
            "workers": args.workers,
            "processes_per_worker": processes,
            "engine_workflows": workflows,
            "worker_throughput": {
                "peak_rss_mb": round(peak["rss_mb"], 1),
                "peak_threads": int(peak["threads"]),
            },
            "reference": (
                f"the engine's message via django smtp backend, 1 process, "
                f"1 connection per {args.batch} msgs"
            ),
            "reference_messages": args.reference,
            "reference_seconds": round(reference["seconds"], 2),
            "engine_message_bytes": round(engine_bytes),
            "reference_message_bytes": round(reference_bytes),
            # The machine's 1-minute load average as each phase began and ended: the engine's
            # and the reference's figures are comparable only under a similar load.
            "load_avg_1m": {
                "engine": [round(load_engine, 2), round(load_engine_end, 2)],
                "reference": [round(load_reference, 2), round(load_reference_end, 2)],
            },
            "steps_per_s": round(steps_per_s, 1),
            "sink_per_s": round(sink_per_s, 1),
            "ratio": round(steps_per_s / sink_per_s, 3),
            "memory_flat": memory_flat,
            "ratio_met": steps_per_s / sink_per_s >= 0.5,
            "goals_met": (
                memory_flat
                and steps_per_s / sink_per_s >= 0.5
                and delivered == args.due == sent_rows
                and final["duplicates"] == 0
            ),
        }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--internal":
        internal(sys.argv[2:])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--sink":
        run_sink(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--journeys", type=int, help="waiting journeys (default 100k / 1M)")
    parser.add_argument("--due", type=int, help="journeys due at once (default 100k)")
    parser.add_argument("--quick", action="store_true", help="10k waiting, 5k due, short settle")
    parser.add_argument(
        "--workers", type=int, default=1, help="fanloop workers advancing the due journeys (1)"
    )
    parser.add_argument(
        "--processes", type=int, default=None,
        help="processes per worker (fanloop worker --processes; default: the worker's own, "
        "one per CPU core)",
    )  # fmt: skip
    parser.add_argument("--settle", type=float, help="seconds each memory worker runs (30)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before the due flip")
    parser.add_argument("--timeout", type=float, default=900, help="longest throughput phase")
    parser.add_argument(
        "--batch", type=int, default=200,
        help="journeys per engine batch (advance.BATCH_SIZE) = messages per reference connection",
    )  # fmt: skip
    parser.add_argument(
        "--reference", type=int,
        help="messages the reference sends (default: as many as journeys fall due); its rate "
        "does not depend on how many, a smaller count only shortens the run",
    )  # fmt: skip
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--worker-env", action="append", default=[], metavar="NAME=VALUE",
        help="extra environment for the workers (engine tuning)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.journeys is None:
        args.journeys = 10_000 if args.quick else 1_000_000 if args.db == "postgres" else 100_000
    if args.due is None:
        args.due = 5_000 if args.quick else 100_000
    if args.reference is None:
        args.reference = args.due
    if args.settle is None:
        args.settle = 15 if args.quick else 30
    if args.journeys < SMALL:
        parser.error(f"--journeys must be at least {SMALL}")
    # A SIGTERM unwinds like Ctrl-C: the workers, the sink and the databases are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print_result(run(args))


if __name__ == "__main__":
    main()
