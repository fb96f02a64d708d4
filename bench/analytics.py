"""Benchmark: the insights pages and the rollup at volume (figures in the README).

Seeds page events and fan events (with their pre-saves) over artists and releases (the
sizes of ``FULL``) in a throwaway database (SQLite file or a fresh PostgreSQL database),
then measures, in this process:

- ``funnel_p95_ms`` / ``leverage_p95_ms``: server time of the funnel and leverage pages
  (Django's test client, logged in, ``--requests`` each, facts caught up first);
- ``first_catchup_s``: the first catch-up after seeding: the facts of every fan event, the
  stored leverage groups of every artist, the visitors of every closed day;
- ``rollup_catchup_s``: the same for ``--new-events`` fan events added after it (what
  the worker's rollup run does: facts, the leverage groups they changed, closed days);
- ``ingest_ratio``: page events accepted through the real write-behind buffer (``add_event``
  then ``flush``) ÷ a raw batched insert of the same rows into the same database, same run.

Prints one JSON line last. The size of the performance goal is the default; ``--scale``
multiplies its event counts (not the artists or releases); ``--quick`` is a smoke run of a
few thousand rows that only shows the benchmark works.

    .venv/bin/python bench/analytics.py [--db sqlite|postgres] [--scale 0.1] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PG_URL, databases, print_result

FULL = {"page_events": 10_000_000, "fan_events": 1_000_000, "artists": 20, "releases": 60,
        "new_events": 100_000}  # fmt: skip
QUICK = {"page_events": 20_000, "fan_events": 5_000, "artists": 2, "releases": 6,
         "new_events": 2_000}  # fmt: skip
CHUNK = 5_000  # rows per seeding transaction
CAMPAIGN = dt.timedelta(days=60)
# The columns of a fan event as record_fan_events writes them.
COPIED_FAN_EVENT = ("workspace_id", "fan_id", "kind", "key", "artist_id", "release_id",
                    "platform", "actor", "data", "created")  # fmt: skip


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _seed(size: dict[str, int], rng: random.Random) -> tuple[Any, list[Any], list[Any]]:
    from django.db import connection, transaction

    from bench._common import seed_artist
    from fanloop.analytics.models import Event
    from fanloop.analytics.services import EventRow, save_hits
    from fanloop.catalog.models import Artist, Release
    from fanloop.fans.models import Fan, PreSave
    from fanloop.lib.bulk import copy_rows

    copying = connection.vendor == "postgresql"
    workspace, first = seed_artist()
    artists = [first] + [
        Artist.objects.create(workspace=workspace, name=f"Artist {i}", slug=f"artist-{i}")
        for i in range(1, size["artists"])
    ]
    day = dt.date(2025, 1, 1)
    releases = [
        Release.objects.create(
            artist=artists[i % len(artists)],
            title=f"Release {i}",
            slug=f"release-{i}",
            release_date=day + dt.timedelta(days=30 * (i // len(artists))),
            published=True,
        )
        for i in range(size["releases"])
    ]
    # Each release's page events spread over the 60 days around its release date, inside
    # the funnel's default range, so the funnel pages count every one of them.
    midnight = dt.time(0, tzinfo=dt.UTC)
    opening = [dt.datetime.combine(r.release_date, midnight) - CAMPAIGN / 2 for r in releases]
    for start in range(0, size["page_events"], CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, size["page_events"])):
            release = releases[n % len(releases)]
            at = opening[n % len(releases)] + CAMPAIGN * ((n // len(releases)) % 997 / 997)
            rows.append(EventRow(
                "page_view" if n % 3 else "click", workspace.pk, release.artist_id, release.pk,
                "" if n % 3 else "spotify", f"{rng.getrandbits(64):016x}", "insta" if n % 5 else "",
                "", "", "", "", "", "mobile" if n % 2 else "desktop", "DE", at,
            ))  # fmt: skip
        if copying:
            copy_rows(Event, EventRow._fields, rows)
        else:
            save_hits(rows, {})
    fans = [
        Fan(workspace=workspace, email=f"fan{i}@bench.example")
        for i in range(max(1, size["fan_events"] // 5))
    ]
    if copying:
        _copy_with_ids(Fan, fans)
    else:
        fans = Fan.objects.bulk_create(fans)
    presaves = [
        PreSave(release=releases[i % len(releases)], fan=fan, platform="spotify",
                utm_source="insta")
        for i, fan in enumerate(fans)
    ]  # fmt: skip
    if copying:
        _copy_with_ids(PreSave, presaves)
    else:
        with transaction.atomic():
            PreSave.objects.bulk_create(presaves, batch_size=1000)
    _fan_events(workspace, fans, releases, size["fan_events"], "seed", rng)
    return workspace, artists, releases


def _copy_with_ids(model: Any, objs: list[Any]) -> None:
    """``bulk_create`` through COPY: ``objs`` get the ids after the table's last, then the
    table's id sequence moves past them."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models import Max

    from bench._common import insert_rows

    first = (model.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    for n, obj in enumerate(objs):
        obj.id = first + n
    insert_rows(model, objs)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def _fan_events(workspace: Any, fans: list[Any], releases: list[Any], count: int, tag: str,
                rng: random.Random) -> None:  # fmt: skip
    from django.db import connection
    from django.utils import timezone

    from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
    from fanloop.analytics.models import FanEvent
    from fanloop.lib.bulk import copy_rows

    kinds = ("presaved", "saved", "track_saved", "followed", "email_opened", "email_clicked")
    if connection.vendor == "postgresql":
        # The rows record_fan_events writes (no key is taken yet), through COPY.
        data = connection.ops.adapt_json_value({}, None)
        for start in range(0, count, CHUNK):
            now = timezone.now()
            copy_rows(FanEvent, COPIED_FAN_EVENT, [
                (workspace.pk, fans[n % len(fans)].pk, kinds[n % len(kinds)], f"{tag}:{n}",
                 releases[n % len(releases)].artist_id, releases[n % len(releases)].pk, "",
                 "fan", data, now)
                for n in range(start, min(start + CHUNK, count))
            ])  # fmt: skip
        return
    for start in range(0, count, CHUNK):
        record_fan_events(
            NewFanEvent(
                workspace_id=workspace.pk,
                fan_id=fans[n % len(fans)].pk,
                kind=kinds[n % len(kinds)],
                key=f"{tag}:{n}",
                actor="fan",
                artist_id=releases[n % len(releases)].artist_id,
                release_id=releases[n % len(releases)].pk,
            )
            for n in range(start, min(start + CHUNK, count))
        )


def _ingest_ratio(workspace: Any, release: Any, rows_count: int, rng: random.Random) -> float:
    from django.db import transaction

    from fanloop.analytics import buffer
    from fanloop.analytics.services import EventRow, _insert_events

    now = dt.datetime.now(tz=dt.UTC)
    rows = [
        EventRow("page_view", workspace.pk, release.artist_id, release.pk, "",
                 f"{rng.getrandbits(64):016x}", "", "", "", "", "", "", "mobile", "", now)
        for _ in range(rows_count)
    ]  # fmt: skip
    events = buffer.EventBuffer(writer_thread=False)
    start = time.perf_counter()
    for row in rows:
        events.add_event(row)
    events.flush()
    buffered = time.perf_counter() - start
    start = time.perf_counter()
    with transaction.atomic():
        _insert_events(rows)
    raw = time.perf_counter() - start
    return raw / buffered if buffered else 0.0


def _catch_up() -> None:
    """What the worker's rollup run does: fold new fan events into the facts, recompute
    the stored leverage groups they changed, count the visitors of closed days."""
    from fanloop.insights import daily_visitors, leverage_results, rollup

    rollup.catch_up(settle_seconds=0)
    leverage_results.refresh_stale()
    daily_visitors.catch_up()


def _check_funnel(release: Any) -> None:
    """The funnel counts every seeded page view (each of its own visitor)."""
    from fanloop.analytics.models import Event, EventKind
    from fanloop.insights import funnel

    start, end = funnel.default_range(release)
    visits = funnel.release_funnel(release, start, end).stages[0].count
    seeded = Event.objects.filter(release=release, kind=EventKind.PAGE_VIEW).count()
    assert visits == seeded, (visits, seeded)


def run(size: dict[str, int], requests: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.test import Client

    from fanloop.accounts.models import User
    from fanloop.fans.models import Fan

    rng = random.Random(7)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    workspace, artists, releases = _seed(size, rng)
    seed_s = time.perf_counter() - started
    started = time.perf_counter()
    _catch_up()
    first_catchup_s = time.perf_counter() - started
    fans = list(Fan.objects.filter(workspace=workspace).order_by("pk"))
    _fan_events(workspace, fans, releases, size["new_events"], "new", rng)
    started = time.perf_counter()
    _catch_up()
    catchup_s = time.perf_counter() - started
    _check_funnel(releases[0])
    client = Client()
    client.force_login(User.objects.get(email="bench@example.org"))
    funnel_ms, leverage_ms = [], []
    for n in range(requests):
        release = releases[n % len(releases)]
        url = f"/w/{workspace.slug}/releases/{release.pk}/funnel/?by=source"
        started = time.perf_counter()
        answer = client.get(url)
        assert answer.status_code == 200, (answer.status_code, answer.content[:300])
        funnel_ms.append((time.perf_counter() - started) * 1000)
        artist = artists[n % len(artists)]
        started = time.perf_counter()
        url = f"/w/{workspace.slug}/insights/leverage/?artist={artist.pk}"
        assert client.get(url).status_code == 200
        leverage_ms.append((time.perf_counter() - started) * 1000)
    ratio = _ingest_ratio(workspace, releases[0], min(size["page_events"], 20_000), rng)
    return {
        "seed_s": round(seed_s, 2),
        "funnel_p95_ms": round(_p95(funnel_ms), 1),
        "leverage_p95_ms": round(_p95(leverage_ms), 1),
        "first_catchup_s": round(first_catchup_s, 2),
        "rollup_catchup_s": round(catchup_s, 3),
        "new_events": size["new_events"],
        "ingest_ratio": round(ratio, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--quick", action="store_true", help="a smoke run on a few rows")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply the event counts (not artists, releases)"
    )
    parser.add_argument("--requests", type=int, default=None, help="page requests of each kind")
    args = parser.parse_args()
    base = QUICK if args.quick else FULL
    size = {
        key: value if key in ("artists", "releases") else max(1, round(value * args.scale))
        for key, value in base.items()
    }
    requests = args.requests or (10 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="fanloop-bench-analytics-") as tmp:
        data_dir = Path(tmp)
        with databases(args.db, data_dir, "fanloop_bench_analytics", args.pg_url) as (url, _):
            os.environ.update(
                DJANGO_SETTINGS_MODULE="fanloop.settings", DATABASE_URL=url,
                FANLOOP_DATA_DIR=str(data_dir), LOG_LEVEL="WARNING",
            )  # fmt: skip
            for name in ("DEBUG", "FANLOOP_PRODUCTION"):
                os.environ.pop(name, None)
            import django

            django.setup()
            result = run(size, requests)
    print_result({"db": args.db, "quick": args.quick, "scale": args.scale, **size, **result})


if __name__ == "__main__":
    main()
