"""Claiming batches: whole batches only, up to the app's in-flight limit, so rows freed a
chunk at a time never turn into a stream of small workflows (each start counts against
the app's DBOS limiter)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.fulfillment import services
from fanloop.fulfillment.models import Delivery, DeliveryState, MarketWave, WaveStatus

from .engine_helpers import scenario


def _delivering(admin: AdminClient, workspace: Workspace, fans: int) -> None:
    found = scenario(admin, workspace, fans=fans, live_in_s=-5)
    services.schedule_release(found.release)
    now = timezone.now()
    MarketWave.objects.filter(state__release=found.release).update(
        status=WaveStatus.DELIVERING, started_at=None, instant=now - dt.timedelta(seconds=5)
    )
    services.tick(now)  # creates the rows (and claims the first batches)


def test_claims_whole_batches_up_to_the_in_flight_limit(
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    db: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    monkeypatch.setattr(services, "WORKER_CONCURRENCY", 1)  # in-flight limit: 20 rows
    _delivering(admin, workspace, fans=45)
    sending = Delivery.objects.filter(state=DeliveryState.SENDING)
    assert sending.count() == 20
    assert all(n == 10 for n in _batch_sizes())

    # A few rows of one batch finish: the room left is smaller than a batch, nothing is claimed.
    done = list(sending.values_list("pk", flat=True)[:7])
    Delivery.objects.filter(pk__in=done).update(state=DeliveryState.DELIVERED)
    assert services.dispatch(timezone.now()) == []

    # A whole batch's worth is free again: one full batch is claimed.
    more = list(
        Delivery.objects.filter(state=DeliveryState.SENDING).values_list("pk", flat=True)[:3]
    )
    Delivery.objects.filter(pk__in=more).update(state=DeliveryState.DELIVERED)
    claimed = services.dispatch(timezone.now())
    assert len(claimed) == 1
    assert Delivery.objects.filter(batch=claimed[0].batch_id).count() == 10


def _batch_sizes() -> list[int]:
    counts: dict[str, int] = {}
    for batch in Delivery.objects.filter(state=DeliveryState.SENDING).values_list(
        "batch", flat=True
    ):
        counts[batch] = counts.get(batch, 0) + 1
    return list(counts.values())


def test_a_wave_gets_one_row_per_fan_with_the_model_defaults_once(
    admin: AdminClient, workspace: Workspace, engine_settings: SettingsWrapper, db: None
) -> None:
    found = scenario(admin, workspace, fans=7, live_in_s=-5, follow=True)
    services.schedule_release(found.release)
    wave = MarketWave.objects.get(state__release=found.release)
    before = timezone.now()
    assert services._create_deliveries(wave) == 7
    assert services._create_deliveries(wave) == 0  # again: nothing new, nothing changed
    default = Delivery()
    rows = list(Delivery.objects.filter(wave=wave).select_related("connection"))
    assert {d.fan_id for d in rows} == {f.pk for f in found.fans}
    for row in rows:
        assert row.release_id == found.release.pk
        assert row.platform == "spotify"
        assert row.connection is not None and row.connection.fan_id == row.fan_id
        assert (row.market, row.source, row.follow) == ("", "presave", True)
        for name in ("state", "reason", "items", "attempts", "in_flight", "in_doubt"):
            assert getattr(row, name) == getattr(default, name), name
        assert (row.repeat_calls, row.batch) == (default.repeat_calls, default.batch)
        assert row.retry_at is row.claimed_at is row.delivered_at is None
        assert before <= row.created <= timezone.now()
        assert row.updated == row.created
