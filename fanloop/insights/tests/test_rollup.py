"""The facts table: folded from the fan event log by a high-water mark, idempotent,
rebuildable with one command, and only the fan's own acts count as the fan's."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest import mock

import time_machine
from django.core.management import call_command
from django.db import connection

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog.models import Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import presaves
from fanloop.fans.identity import merge_fans
from fanloop.fans.models import Fan, PreSave
from fanloop.insights import rollup
from fanloop.insights.models import Kept, ReleaseFacts, RollupMark

RELEASE_DAY = dt.date(2026, 3, 6)


def _release(workspace: Workspace) -> Release:
    artist = create_artist(workspace, name="The Facts")
    return create_release(artist, {"title": "Rolled", "release_date": RELEASE_DAY}, [])


def _row(fan: Fan, release: Release) -> ReleaseFacts:
    return ReleaseFacts.objects.get(fan=fan, release=release)


def _snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        ReleaseFacts.objects.values_list(
            "fan_id", "release_id", "presaved_at", "delivered", "kept", "tracks_saved",
            "one_click_saves", "email_opens", "email_clicks", "follows_by_fan",
            "follows_at_delivery", "first_act_at", "release_week_act", "score", "utm_source",
        )
    )  # fmt: skip


def test_facts_follow_the_event_log_and_who_acted(workspace):
    release = _release(workspace)
    fan = Fan.objects.create(workspace=workspace, email="fan@example.org")
    presaves.record_presave(
        fan,
        release,
        PreSave.EMAIL_ONLY,
        attribution=presaves.Attribution(utm_source="insta", country="DE", visitor_id="abc"),
    )
    day = dt.datetime.combine(RELEASE_DAY, dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(day, tick=False):
        # fanloop's acts: the release-day save and a follow from an up-front consent.
        record_fan_event(fan, "delivery_succeeded", key="d", actor=Actor.FANLOOP, release=release)
        record_fan_event(fan, "saved", key="d:saved", actor=Actor.FANLOOP, release=release)
        record_fan_event(fan, "followed", key="d:followed", actor=Actor.FANLOOP, release=release)
    assert rollup.catch_up(settle_seconds=0).events == 4
    row = _row(fan, release)
    assert (row.delivered, row.one_click_saves, row.follows_by_fan, row.follows_at_delivery) == (
        True, 0, 0, 1,
    )  # fmt: skip
    assert (row.utm_source, row.country, row.visitor_id, row.platform) == (
        "insta", "DE", "abc", "email",
    )  # fmt: skip
    assert row.score == 2  # the pre-save only
    assert not row.release_week_act
    with time_machine.travel(day + dt.timedelta(days=2), tick=False):
        record_fan_event(fan, "saved", key="fan:saved", actor=Actor.FAN, release=release)
        record_fan_event(fan, "save_kept_7d", key="k7", actor=Actor.FANLOOP, release=release)
    done = rollup.catch_up(settle_seconds=0)
    assert (done.events, done.pairs) == (2, 1)  # only the new events are read
    row = _row(fan, release)
    assert (row.one_click_saves, row.kept, row.release_week_act) == (1, Kept.KEPT_7D, True)
    assert row.score == 2 + 5
    with time_machine.travel(day + dt.timedelta(days=30), tick=False):
        record_fan_event(fan, "save_missing", key="k30", actor=Actor.FAN, release=release)
    rollup.catch_up(settle_seconds=0)
    assert _row(fan, release).kept == Kept.REMOVED


def test_catch_up_is_idempotent_and_rebuild_gives_the_same_rows(workspace):
    release = _release(workspace)
    fans = [Fan.objects.create(workspace=workspace, email=f"f{i}@example.org") for i in range(5)]
    for i, fan in enumerate(fans):
        presaves.record_presave(fan, release, PreSave.EMAIL_ONLY)
        for n in range(i):
            record_fan_event(fan, "email_opened", key=f"o{i}{n}", actor=Actor.FAN, release=release)
    rollup.catch_up(settle_seconds=0)
    first = _snapshot()
    assert len(first) == 5
    mark = RollupMark.objects.get(name=rollup.MARK).last_event_id
    assert rollup.catch_up(settle_seconds=0).events == 0
    # Folding the same events again (the mark moved back) changes nothing.
    RollupMark.objects.filter(name=rollup.MARK).update(last_event_id=0)
    assert rollup.catch_up(settle_seconds=0).events == 5 + 10
    assert _snapshot() == first
    out = io.StringIO()
    call_command("rollup", "--rebuild", stdout=out)
    assert "15 events folded, 5 fan-release rows rebuilt" in out.getvalue()
    assert _snapshot() == first
    assert RollupMark.objects.get(name=rollup.MARK).last_event_id == mark


def test_young_events_wait_and_the_mark_never_passes_them(workspace):
    release = _release(workspace)
    fan = Fan.objects.create(workspace=workspace, email="young@example.org")
    presaves.record_presave(fan, release, PreSave.EMAIL_ONLY)
    assert rollup.catch_up().events == 0  # younger than SETTLE_SECONDS
    assert rollup.pending(settle_seconds=0) == 1
    assert not ReleaseFacts.objects.exists()
    assert rollup.catch_up(settle_seconds=0).events == 1


def test_a_merge_moves_the_facts_to_the_fan_kept(workspace):
    release = _release(workspace)
    kept = Fan.objects.create(workspace=workspace, email="kept@example.org")
    gone = Fan.objects.create(workspace=workspace, email="gone@example.org")
    presaves.record_presave(gone, release, PreSave.EMAIL_ONLY)
    record_fan_event(gone, FanEventKind.FOLLOWED, key="f", actor=Actor.FAN, release=release)
    rollup.catch_up(settle_seconds=0)
    merge_fans(into=kept, other=gone)
    row = _row(kept, release)
    assert (row.follows_by_fan, row.presaved_at is not None) == (1, True)
    assert ReleaseFacts.objects.count() == 1


def test_a_batch_reads_and_computes_outside_the_write_transaction(transactional_db, workspace):
    """On SQLite a write transaction holds the one write lock: a batch computed inside it
    stalled every other writer (release-day delivery) for the whole catch-up."""
    release = _release(workspace)
    fans = [Fan.objects.create(workspace=workspace, email=f"w{i}@example.org") for i in range(3)]
    for fan in fans:
        presaves.record_presave(fan, release, PreSave.EMAIL_ONLY)
    seen: list[bool] = []
    facts = rollup._facts

    def spying(*args: Any, **kwargs: Any) -> rollup.FactRow:
        seen.append(connection.in_atomic_block)
        return facts(*args, **kwargs)

    with mock.patch.object(rollup, "_facts", spying):
        assert rollup.catch_up(settle_seconds=0).events == 3
    assert seen == [False, False, False]
    assert ReleaseFacts.objects.count() == 3


def test_a_batch_another_catch_up_folded_meanwhile_is_dropped(workspace):
    release = _release(workspace)
    fan = Fan.objects.create(workspace=workspace, email="race@example.org")
    presaves.record_presave(fan, release, PreSave.EMAIL_ONLY)
    record_fan_event(fan, FanEventKind.FOLLOWED, key="r", actor=Actor.FAN, release=release)
    rebuild = rollup._rebuild

    def raced(wanted: set[rollup.Pair]) -> Any:
        built = rebuild(wanted)
        # Another catch-up (a page's) folds the same events while this one computes.
        with mock.patch.object(rollup, "_rebuild", rebuild):
            assert rollup.catch_up(settle_seconds=0).events == 2
        return built

    with mock.patch.object(rollup, "_rebuild", raced):
        assert rollup.catch_up(settle_seconds=0, max_batches=1).events == 0
    assert ReleaseFacts.objects.count() == 1
    assert _row(fan, release).follows_by_fan == 1
    assert rollup.catch_up(settle_seconds=0).events == 0
