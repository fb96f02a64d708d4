"""The worker's rollup: a scheduled DBOS workflow folds the fan event log into the facts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import presaves
from fanloop.fans.models import Fan, PreSave
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
