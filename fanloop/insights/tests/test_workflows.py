"""The worker's rollup: a scheduled DBOS workflow folds the fan event log into the facts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import presaves
from fanloop.fans.models import Fan, PreSave
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.insights import rollup
from fanloop.insights.models import ReleaseFacts

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # DBOS's step thread keeps its PostgreSQL connection for CONN_MAX_AGE, which keeps
    # the test database from being dropped: the schedule is the same on either database.
    pytest.mark.skipif(connection.vendor != "sqlite", reason="DBOS test on SQLite only"),
]


def test_the_scheduled_workflow_folds_new_events(dbos_runtime: None, workspace: Workspace) -> None:
    from dbos import DBOS

    from fanloop.insights.workflows import SCHEDULE_NAME, insights_rollup
    from fanloop.ops.worker import start_schedules

    artist = create_artist(workspace, name="Scheduled")
    release = create_release(artist, {"title": "Cron", "release_date": dt.date(2026, 5, 1)}, [])
    fan = Fan.objects.create(workspace=workspace, email="cron@example.org")
    presaves.record_presave(fan, release, PreSave.EMAIL_ONLY)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1), tick=True):
        DBOS.start_workflow(insights_rollup, timezone.now(), None).get_result()
    assert ReleaseFacts.objects.filter(fan=fan, release=release).count() == 1

    start_schedules(["fanloop.insights.workflows"])
    schedule = DBOS.get_schedule(SCHEDULE_NAME)
    assert schedule is not None
    assert schedule["workflow_name"].endswith("insights_rollup")


def test_a_run_folds_one_batch_while_a_delivery_is_sending(
    dbos_runtime: None, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Release-day delivery shares the worker processes with the rollup: while a batch
    is sending, a run folds one batch and leaves the rest for the runs after it."""
    from dbos import DBOS

    from fanloop.insights.workflows import insights_rollup

    monkeypatch.setattr(rollup, "BATCH", 2)
    artist = create_artist(workspace, name="Busy")
    release = create_release(artist, {"title": "Day", "release_date": dt.date(2026, 5, 1)}, [])
    fans = [Fan.objects.create(workspace=workspace, email=f"f{n}@example.org") for n in range(6)]
    for fan in fans:
        presaves.record_presave(fan, release, PreSave.EMAIL_ONLY)
    events = list(FanEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(events) > 2 * rollup.BATCH
    sending = Delivery.objects.create(
        release=release, fan=fans[0], platform="spotify", state=DeliveryState.SENDING
    )

    def run() -> None:
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=1), tick=True):
            DBOS.start_workflow(insights_rollup, timezone.now(), None).get_result()

    run()
    assert rollup.mark().last_event_id == events[rollup.BATCH - 1]
    run()
    assert rollup.mark().last_event_id == events[2 * rollup.BATCH - 1]

    sending.state = DeliveryState.DELIVERED
    sending.save(update_fields=["state"])
    run()
    assert rollup.mark().last_event_id == events[-1]
    assert ReleaseFacts.objects.filter(release=release).count() == len(fans)
