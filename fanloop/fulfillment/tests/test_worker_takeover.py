"""A worker whose heartbeat went stale is taken over by exactly one live worker, which asks
DBOS to recover its workflows; fresh heartbeats and the worker itself are left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from fanloop.ops import worker
from fanloop.ops.models import WorkerHeartbeat
from fanloop.ops.worker import recover_dead_workers


def test_one_live_worker_takes_over_a_dead_one(
    dbos_runtime: None, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "HEARTBEAT_SECONDS", 1)
    monkeypatch.setattr(worker, "DEAD_AFTER_BEATS", 4)
    old = timezone.now() - dt.timedelta(seconds=30)
    for executor_id, seen in (("dead", old), ("alive", timezone.now()), ("me", old)):
        WorkerHeartbeat.objects.create(executor_id=executor_id, hostname="h", pid=1, last_seen=seen)
    assert recover_dead_workers("me") == ["dead"]
    assert recover_dead_workers("other") == ["me"]
    assert recover_dead_workers("me") == []  # already taken over
    assert set(WorkerHeartbeat.objects.values_list("executor_id", flat=True)) == {"alive"}


def test_by_default_a_dead_worker_is_taken_over_within_seconds() -> None:
    # Was 15 s x 4 beats: claimed fans waited a minute or more for a worker that died.
    assert worker.HEARTBEAT_SECONDS * worker.DEAD_AFTER_BEATS <= 15
