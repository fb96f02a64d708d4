"""Fan events are written once per key, by the single and the bulk writer alike."""

from __future__ import annotations

import pytest

from fanloop.analytics.fan_events import NewFanEvent, record_fan_event, record_fan_events
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fans.models import Fan

pytestmark = pytest.mark.django_db


@pytest.fixture
def fan(workspace):
    return Fan.objects.create(workspace=workspace, email="fan@example.org")


def _new(fan: Fan, key: str, **data: object) -> NewFanEvent:
    return NewFanEvent(
        workspace_id=fan.workspace_id, fan_id=fan.pk, kind=FanEventKind.SAVED, key=key, data=data
    )


def test_bulk_write_skips_keys_already_recorded_and_keeps_data(fan):
    record_fan_event(fan, FanEventKind.SAVED, key="a", data={"via": "single"})
    offered = record_fan_events([_new(fan, "a", via="bulk"), _new(fan, "b", items=["album:x"])])
    assert offered == 2
    rows = {e.key: e for e in FanEvent.objects.filter(fan=fan)}
    assert set(rows) == {"a", "b"}
    assert rows["a"].data == {"via": "single"}
    assert rows["b"].data == {"items": ["album:x"]}
    assert rows["b"].kind == FanEventKind.SAVED and rows["b"].created is not None


def test_bulk_write_twice_records_once(fan):
    events = [_new(fan, f"k{i}") for i in range(700)]  # more than one statement's worth
    record_fan_events(events)
    record_fan_events(events)
    assert FanEvent.objects.filter(fan=fan).count() == 700


def test_single_write_returns_the_existing_event(fan):
    first, created = record_fan_event(fan, "followed", key="f")
    again, created_again = record_fan_event(fan, "followed", key="f")
    assert created and not created_again and again.pk == first.pk
