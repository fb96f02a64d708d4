"""``copy_rows``: plain tuples into a model's table (COPY on PostgreSQL), in one transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from fanloop.accounts.models import Workspace
from fanloop.fans.models import Fan
from fanloop.flows import services
from fanloop.flows.models import Journey, JourneyStep
from fanloop.lib.bulk import copy_rows

pytestmark = pytest.mark.django_db(transaction=True)
COLUMNS = ("journey_id", "version_id", "step_index", "step_id", "outcome", "detail", "created")


@pytest.fixture
def journey(workspace: Workspace) -> Journey:
    flow = services.create_flow(
        workspace,
        name="F",
        trigger="presaved",
        steps=[{"id": "w", "type": "wait", "duration_s": 60}],
    )
    fan = Fan.objects.create(workspace=workspace, email="f@example.org")
    assert flow.current_version is not None
    return Journey.objects.create(
        flow=flow, version=flow.current_version, fan=fan, key="k", state="waiting"
    )


def test_rows_land_with_their_values_text_and_time(journey: Journey) -> None:
    at = dt.datetime(2026, 12, 5, 6, 30, 15, 123456, tzinfo=dt.UTC)
    stamp = connection.ops.adapt_datetimefield_value(at)
    rows = [
        (journey.pk, journey.version_id, i, f"s{i}", "passed", f"sent “{i}”\ttab\\", stamp)
        for i in range(1200)  # more than one executemany chunk
    ]

    copy_rows(JourneyStep, COLUMNS, rows)

    stored = list(JourneyStep.objects.order_by("step_index"))
    assert len(stored) == 1200
    assert (stored[7].step_id, stored[7].detail, stored[7].created) == ("s7", "sent “7”\ttab\\", at)


def test_a_bad_row_writes_none_of_them(journey: Journey) -> None:
    stamp = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    good = (journey.pk, journey.version_id, 0, "w", "passed", "", stamp)
    missing_journey = (journey.pk + 1000, journey.version_id, 0, "w", "passed", "", stamp)

    with pytest.raises(Exception), transaction.atomic():
        copy_rows(JourneyStep, COLUMNS, [good] * 3 + [missing_journey])
        connection.check_constraints()  # SQLite checks foreign keys at commit

    assert not JourneyStep.objects.exists()


def test_no_rows_is_nothing_to_do() -> None:
    copy_rows(JourneyStep, COLUMNS, [])
    assert not JourneyStep.objects.exists()
