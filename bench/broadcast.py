"""Benchmark: a broadcast on a real ``fanloop worker``, and a segment's count.

Part 1, sending: N fans (100,000; 500 with ``--quick``) with a confirmed email consent in
a segment, and a broadcast to it scheduled now, sent by a real ``fanloop worker`` as an
operator runs it: by default one process per usable core
(``fanloop.ops.supervisor.worker_processes``; ``--processes`` sets it, the JSON says it as
``processes``); a counting SMTP sink (aiosmtpd in its own process, ``bench/flows.py``'s)
accepts the messages. ``sent_per_s`` = N / seconds from
the moment the broadcast was scheduled to the sink's last acceptance (the broadcast tick,
the audience snapshot and every send included). ``sink_per_s`` = N messages like the
broadcast's (its template rendered for one of its fans: the same subject, bodies and
headers) sent to the same sink, in the same run, by one process through Django's SMTP
backend, one connection per ``broadcasts.BATCH_SIZE`` messages. ``ratio`` = sent_per_s /
sink_per_s (goal >= 0.7). The sink counts duplicates; they must be 0.
``worker_cpu_ms_per_message`` = the CPU (user + system, from /proc) the worker's processes
spent from the schedule to the last acceptance, per message: less noisy than the rates on
a loaded machine.

Part 2, counting: M fans (1,000,000; 20,000 with ``--quick``) in another workspace, a
share of them in GB, with a confirmed email consent and with a save of a release of
theirs; ``segment_count_ms`` = the median of 5 counts of a segment with those three
conditions (goal <= 300 ms on PostgreSQL).

Throwaway data dir and databases (``bench/_common.databases``; PostgreSQL by default).
Servers run in their own process groups and are stopped on exit. Prints one JSON line last.

    .venv/bin/python bench/broadcast.py [--db postgres|sqlite] [--fans N] [--segment-fans M]
                                        [--part all|send|count] [--processes N] [--quick]

``--part send`` runs part 1 alone, ``--part count`` part 2 alone (no worker, no sink).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    BIN,
    fanloop_process_env,
    group_cpu_seconds,
    insert_rows,
    print_result,
    run_internal,
    send_to_sink,
    worker_process_count,
)
from bench.flows import Sink, open_databases, run_dir, worker  # noqa: E402

TEMPLATE_TEXT = (
    "Hi {{ fan.display_name|default:'there' }},\n\n"
    "{{ artist.name }} has news: a new single and a tour. Thank you for listening.\n"
)
GB_SHARE = 3  # one fan in GB_SHARE lives in GB
CONSENT_SHARE = 2  # one fan in CONSENT_SHARE confirmed email
SAVE_SHARE = 4  # one fan in SAVE_SHARE saved the release
COUNTS = 5  # counts timed; the median is reported


def _say(message: str) -> None:
    print(f"[bench/broadcast] {message}", file=sys.stderr, flush=True)


def _internal(env: dict[str, str], *argv: str, timeout: float = 7200) -> dict[str, Any]:
    return run_internal(__file__, env, *argv, timeout=timeout)


# --- in a Django subprocess ------------------------------------------------------------


def _reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _fans(workspace: Any, count: int, prefix: str, *, everyone: bool) -> dict[str, Any]:
    """``count`` fans of ``workspace`` inserted in chunks with their consents and saves
    (``everyone``: all in GB with a confirmed email consent, no saves)."""
    import datetime as dt

    from django.utils import timezone

    from fanloop.analytics.models import Actor, FanEvent, FanEventKind
    from fanloop.catalog.models import Release
    from fanloop.fans import consents
    from fanloop.fans.models import Consent, ConsentKind, Fan

    started = time.perf_counter()
    release = Release.objects.filter(artist__workspace=workspace).first()
    version, wording = consents.render(ConsentKind.EMAIL, workspace.name)
    now = timezone.now()
    fan_id, consent_id, event_id = _next_id(Fan), _next_id(Consent), _next_id(FanEvent)
    # What recording the consent writes on the fan (``consents.refresh_consented``).
    email_consented = consents.encoded({ConsentKind.EMAIL})
    chunk = 20_000
    for first in range(0, count, chunk):
        fans, rows, events = [], [], []
        for n in range(first, min(count, first + chunk)):
            created = now - dt.timedelta(seconds=count - n)
            consented = everyone or n % CONSENT_SHARE == 0
            fans.append(
                Fan(id=fan_id, workspace=workspace, email=f"{prefix}{n}@example.org",
                    country="GB" if everyone or n % GB_SHARE == 0 else "FR", created=created,
                    updated=created, consented=email_consented if consented else "")
            )  # fmt: skip
            if consented:
                rows.append(
                    Consent(id=consent_id, fan_id=fan_id, kind=ConsentKind.EMAIL, granted=True,
                            wording_version=version, wording=wording, page="/bench",
                            confirmed_at=created, created=created)
                )  # fmt: skip
                consent_id += 1
            if not everyone and release is not None and n % SAVE_SHARE == 0:
                events.append(
                    FanEvent(id=event_id, workspace=workspace, fan_id=fan_id,
                             kind=FanEventKind.SAVED, artist_id=release.artist_id,
                             release=release, actor=Actor.FAN, key=f"bench:save:{fan_id}",
                             created=created)
                )  # fmt: skip
                event_id += 1
            fan_id += 1
        insert_rows(Fan, fans)
        insert_rows(Consent, rows)
        insert_rows(FanEvent, events)
    _reset_sequences(Fan, Consent, FanEvent)
    return {"fans": count, "seconds": round(time.perf_counter() - started, 1)}


def seed_broadcast(count: int) -> dict[str, Any]:
    """The bench workspace, its template, ``count`` subscribed fans and a segment of them."""
    from bench._common import seed_artist
    from fanloop.catalog.models import Release
    from fanloop.flows import segments
    from fanloop.messaging.models import EmailTemplate

    workspace, artist = seed_artist()
    Release.objects.create(
        artist=artist, title="Bench Single", slug="bench-single", release_date="2030-01-01"
    )
    EmailTemplate.objects.create(
        workspace=workspace,
        artist=artist,
        name="Bench news",
        subject="News from {{ artist.name }}",
        text_body=TEMPLATE_TEXT,
    )
    seeded = _fans(workspace, count, "fan", everyone=True)
    segments.create_segment(workspace, name="Bench audience", rules={"countries": ["GB"]})
    return seeded


def schedule() -> dict[str, Any]:
    """A broadcast of the bench template to the bench segment, scheduled now."""
    from fanloop.flows import broadcasts
    from fanloop.flows.models import Segment
    from fanloop.messaging.models import EmailTemplate

    segment = Segment.objects.get(name="Bench audience")
    template = EmailTemplate.objects.get(name="Bench news")
    broadcast = broadcasts.create_broadcast(
        segment.workspace, name="Bench", segment=segment, template=template
    )
    broadcasts.schedule_broadcast(broadcast)
    return {"broadcast": broadcast.pk, "scheduled_at": time.time()}


def outcome(broadcast_id: int) -> dict[str, Any]:
    from fanloop.flows import broadcasts
    from fanloop.flows.models import Broadcast

    broadcast = Broadcast.objects.get(pk=broadcast_id)
    stats = broadcasts.stats(broadcast)
    return {"status": broadcast.status, "sent": stats.sent, "skipped": stats.skipped}


def reference_send(port: int, count: int) -> dict[str, Any]:
    """The sink alone: ``count`` messages like the broadcast's (its template rendered for
    one of its fans as the pipeline renders it), one connection per batch."""
    from fanloop.fans.models import Fan
    from fanloop.flows.broadcasts import BATCH_SIZE
    from fanloop.messaging import rendering
    from fanloop.messaging.models import EmailTemplate, OutboundMessage

    template = EmailTemplate.objects.get(name="Bench news")
    fan = Fan.objects.filter(workspace=template.workspace).select_related("workspace").last()
    assert fan is not None, "seed first"
    message_pk = int(OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True)[0])
    context = rendering.fan_context(
        fan, artist=template.artist, release=None, message_pk=message_pk
    )
    rendered = rendering.render_message(template, context, track_message_pk=message_pk)
    sample = {
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "unsubscribe": f"<{context['unsubscribe_url']}>",
    }
    return send_to_sink(port, count, BATCH_SIZE, sample)


def count_segment(count: int) -> dict[str, Any]:
    """``count`` fans in a workspace of their own, then the median time of counting a
    3-condition segment (country, email consent, saved the release)."""
    from fanloop.accounts.models import Workspace
    from fanloop.catalog.models import Artist, Release
    from fanloop.flows import segments

    workspace = Workspace.objects.create(name="Count Records", slug="count-records")
    artist = Artist.objects.create(workspace=workspace, name="Count Artist", slug="count-artist")
    release = Release.objects.create(
        artist=artist, title="Counted", slug="counted", release_date="2030-01-01"
    )
    seeded = _fans(workspace, count, "count", everyone=False)
    _analyze()
    segment = segments.create_segment(
        workspace,
        name="Three conditions",
        rules={
            "countries": ["GB"],
            "consents": ["email"],
            "actions": [{"kind": "saved", "release": release.pk}],
        },
    )
    timings, members = [], 0
    for _ in range(COUNTS):
        started = time.perf_counter()
        members = segments.members(segment).count()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "segment_fans": count,
        "segment_members": members,
        "segment_count_ms": round(statistics.median(timings), 1),
        "segment_count_ms_all": [round(t, 1) for t in timings],
        "seed_seconds": seeded["seconds"],
    }


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def internal(argv: list[str]) -> None:
    import django

    django.setup()
    command, *rest = argv
    if command == "seed":
        result = seed_broadcast(int(rest[0]))
    elif command == "schedule":
        result = schedule()
    elif command == "outcome":
        result = outcome(int(rest[0]))
    elif command == "reference":
        result = reference_send(int(rest[0]), int(rest[1]))
    elif command == "count":
        result = count_segment(int(rest[0]))
    else:
        raise SystemExit(f"unknown internal command {command}")
    print(json.dumps(result))


# --- the run ---------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.part == "count":
        return run_count(args)
    with run_dir("fanloop-bench-broadcast-") as (tmp, data_dir, cleanup):
        db = open_databases(cleanup, args, data_dir, "fanloop_bench_broadcast")
        base = {"SITE_URL": "http://127.0.0.1:8000"}
        sink = Sink(fanloop_process_env(data_dir, db.url, dbos_url=db.dbos_url, extra=base), tmp)
        cleanup.callback(sink.stop)
        env = fanloop_process_env(
            data_dir,
            db.url,
            dbos_url=db.dbos_url,
            extra={
                **base,
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(sink.port),
                # Nothing defers or skips the bench's sends: no quiet hours, no cap.
                "FANLOOP_TUNING": "fanloop.messaging.sending_rules.DEFAULT_QUIET_HOURS=,"
                "fanloop.messaging.sending_rules.DEFAULT_CAP=0",
            },
        )
        subprocess.run([str(BIN / "fanloop"), "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        seeded = _internal(env, "seed", str(args.fans))
        _say(f"{args.db}: {args.fans:,} subscribed fans ({seeded['seconds']} s)")

        processes = worker_process_count(args.processes, env)
        _say(f"the worker runs {processes} processes")
        with worker(env, tmp, "broadcast", processes) as proc:
            before = sink.stats()["accepted"]
            cpu_before = group_cpu_seconds(proc.pid)
            scheduled = _internal(env, "schedule")
            deadline = time.monotonic() + args.timeout
            while sink.stats()["accepted"] - before < args.fans:
                if time.monotonic() > deadline:
                    raise SystemExit("the broadcast did not finish in time")
                time.sleep(0.2)
            after = sink.stats()
            worker_cpu = group_cpu_seconds(proc.pid) - cpu_before
            done = _internal(env, "outcome", str(scheduled["broadcast"]))
        seconds = after["last_at"] - scheduled["scheduled_at"]
        sent_per_s = args.fans / seconds
        _say(f"worker: {args.fans:,} messages in {seconds:.1f} s; now the sink alone")
        reference = _internal(env, "reference", str(sink.port), str(args.fans))
        sink_per_s = args.fans / reference["seconds"]

        counted: dict[str, Any] = {}
        if args.segment_fans and args.part == "all":
            counted = _internal(env, "count", str(args.segment_fans))
            _say(f"segment of {args.segment_fans:,} fans counted: {counted['segment_count_ms']} ms")
        ratio = sent_per_s / sink_per_s
        return {
            "bench": "broadcast",
            "db": args.db,
            "quick": args.quick,
            "fans": args.fans,
            "processes": processes,
            "status": done["status"],
            "sent": done["sent"],
            "sink_accepted": after["accepted"] - before,
            "sink_duplicates": after["duplicates"],
            "seconds": round(seconds, 2),
            "sent_per_s": round(sent_per_s, 1),
            "sink_per_s": round(sink_per_s, 1),
            "ratio": round(ratio, 3),
            "ratio_met": ratio >= 0.7,
            "worker_cpu_ms_per_message": round(worker_cpu * 1000 / args.fans, 2),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            **counted,
            "segment_count_met": _count_met(args, counted),
        }


def _count_met(args: argparse.Namespace, counted: dict[str, Any]) -> bool | None:
    # The goal is for 1,000,000 fans on PostgreSQL; a smaller run has no verdict.
    if counted and args.db == "postgres" and args.segment_fans >= 1_000_000:
        return bool(counted["segment_count_ms"] <= 300)
    return None


def run_count(args: argparse.Namespace) -> dict[str, Any]:
    """Part 2 alone: the segment's count, on databases of its own."""
    with run_dir("fanloop-bench-broadcast-") as (_tmp, data_dir, cleanup):
        db = open_databases(cleanup, args, data_dir, "fanloop_bench_broadcast")
        env = fanloop_process_env(data_dir, db.url, dbos_url=db.dbos_url)
        subprocess.run([str(BIN / "fanloop"), "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        counted = _internal(env, "count", str(args.segment_fans))
        _say(f"segment of {args.segment_fans:,} fans counted: {counted['segment_count_ms']} ms")
        return {
            "bench": "broadcast",
            "part": "count",
            "db": args.db,
            "quick": args.quick,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            **counted,
            "segment_count_met": _count_met(args, counted),
        }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--internal":
        internal(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--fans", type=int, help="the broadcast's audience (100k; 500 quick)")
    parser.add_argument(
        "--segment-fans", type=int, help="fans the segment counts over (1M; 20k quick; 0: skip)"
    )
    parser.add_argument(
        "--part", choices=["all", "send", "count"], default="all", help="run one part alone"
    )
    parser.add_argument(
        "--processes", type=int, default=None,
        help="processes of the worker (fanloop worker --processes; default: the worker's own, "
        "one per CPU core)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--timeout", type=float, default=3600, help="longest sending phase")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if args.fans is None:
        args.fans = 500 if args.quick else 100_000
    if args.segment_fans is None:
        args.segment_fans = 20_000 if args.quick else 1_000_000
    # A SIGTERM unwinds like Ctrl-C: the worker, the sink and the databases are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print_result(run(args))


if __name__ == "__main__":
    main()
