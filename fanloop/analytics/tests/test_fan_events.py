"""Fan events are written once per key, by the single and the bulk writer alike."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from fanloop.analytics.fan_events import NewFanEvent, record_fan_event, record_fan_events
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.fans.models import Fan

pytestmark = pytest.mark.django_db


@pytest.fixture
def fan(workspace):
    return Fan.objects.create(workspace=workspace, email="fan@example.org")


def _new(fan: Fan, key: str, **data: object) -> NewFanEvent:
    return NewFanEvent(
        workspace_id=fan.workspace_id,
        fan_id=fan.pk,
        kind=FanEventKind.SAVED,
        key=key,
        actor=Actor.FAN,
        data=data,
    )


def test_bulk_write_skips_keys_already_recorded_and_keeps_data(fan):
    record_fan_event(fan, FanEventKind.SAVED, key="a", actor="fan", data={"via": "single"})
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
    first, created = record_fan_event(fan, "followed", key="f", actor="fan")
    again, created_again = record_fan_event(fan, "followed", key="f", actor="fan")
    assert created and not created_again and again.pk == first.pk


def test_both_writers_store_who_acted_and_refuse_an_unknown_actor(fan):
    record_fan_event(fan, FanEventKind.PRESAVED, key="p", actor=Actor.FAN)
    record_fan_events([NewFanEvent(**{**_new(fan, "d").__dict__, "actor": Actor.FANLOOP})])
    assert dict(FanEvent.objects.filter(fan=fan).values_list("key", "actor")) == {
        "p": "fan",
        "d": "fanloop",
    }
    with pytest.raises(ValueError):
        record_fan_event(fan, FanEventKind.SAVED, key="x", actor="robot")
    with pytest.raises(ValueError):
        record_fan_events([NewFanEvent(**{**_new(fan, "y").__dict__, "actor": "robot"})])
    assert not FanEvent.objects.filter(key__in=["x", "y"]).exists()


def test_the_migration_gives_existing_rows_their_actor_by_kind_and_via(fan):
    migration = importlib.import_module("fanloop.analytics.migrations.0004_fanevent_actor")
    rows = {
        "presave": ("presaved", {}),
        "one-click": ("saved", {"via": "action_page"}),
        "delivered": ("saved", {"via": "delivery"}),
        "delivered-follow": ("followed", {"via": "delivery"}),
        "api-step": ("saved", {"via": "flow"}),
        "live": ("release_live", {}),
        "sent": ("email_sent", {}),
        "clicked": ("email_clicked", {}),
        "kept": ("save_kept_7d", {}),
    }
    for key, (kind, data) in rows.items():
        # Rows as they were before the column: every one starts with the column's default.
        record_fan_event(fan, kind, key=key, actor=Actor.FAN, data=data)
    migration.set_actor(django_apps, None)
    actors = dict(FanEvent.objects.filter(fan=fan).values_list("key", "actor"))
    assert {k for k, a in actors.items() if a == "fanloop"} == {
        "delivered",
        "delivered-follow",
        "api-step",
        "live",
        "sent",
        "kept",
    }
