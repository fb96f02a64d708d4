"""The engine on a launched DBOS: the scheduled tick reads events and enqueues batch
workflows on the ``flows`` queue; many due journeys share a few batch workflows."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from dbos import DBOS
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.flows import advance, engine
from fanloop.flows.models import Flow, Journey, JourneyState
from fanloop.ops.worker import start_schedules

from .engine_helpers import event, make_flow


def in_thread(call: Callable[[], Any]) -> Any:
    """Run a sync DBOS call off this thread: after a Playwright test in the same session
    the main thread has a running event loop, and DBOS refuses sync calls there."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def flows_engine(dbos_runtime: None, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "QUEUE_POLL_SECONDS", 0.2)
    in_thread(lambda: start_schedules(["fanloop.flows.engine"]))


def test_the_tick_starts_and_advances_journeys_in_batch_workflows(
    flows_engine: None,
    settings: Any,
    workspace: Workspace,
    release: Release,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(advance, "BATCH_SIZE", 25)
    Flow.objects.filter(is_default=True).delete()
    flow = make_flow(workspace, [{"id": "t", "type": "tag", "tag": "seen"}])
    for i in range(40):
        fan = Fan.objects.create(workspace=workspace, email=f"dbos{i}@example.org")
        event(fan, FanEventKind.PRESAVED, release=release)

    wait_for(lambda: Journey.objects.filter(flow=flow, state=JourneyState.COMPLETED).count() == 40)
    batches = in_thread(lambda: DBOS.list_workflows(name="flows.batch", queue_name=engine.QUEUE))
    assert 2 <= len(batches) <= 4  # 40 journeys, 25 per batch: not one workflow per journey
    assert all(b.workflow_id.startswith("flows-batch-") for b in batches)
    assert in_thread(lambda: DBOS.list_workflows(name="flows.tick", limit=1))
    assert not Journey.objects.exclude(claimed_by="").exists()

    monkeypatch.setattr(engine, "WORKFLOW_RETENTION_HOURS", 0)
    in_thread(lambda: engine.flows_prune(timezone.now() + dt.timedelta(minutes=1), None))
    assert in_thread(lambda: DBOS.list_workflows(name="flows.batch")) == []
    assert Journey.objects.filter(flow=flow).count() == 40  # journeys are kept
