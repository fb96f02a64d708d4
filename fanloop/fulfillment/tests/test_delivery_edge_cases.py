"""Releases the engine must survive: no pre-savers, a UPC never found, a release moved to a
later date after scheduling, a fan deleted mid-delivery."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Release
from fanloop.fans.rights import delete_fan
from fanloop.fulfillment import services
from fanloop.fulfillment.models import (
    Delivery,
    DeliveryState,
    MarketWave,
    ReleasePlatform,
    WaveStatus,
)

from .engine_helpers import BRISK_BUDGET, scenario, wait_for


def test_a_release_without_presavers_schedules_nothing(
    engine: None, admin: AdminClient, workspace: Workspace
) -> None:
    found = scenario(admin, workspace, fans=0, live_in_s=1)
    assert services.schedule_release(found.release) == []
    time.sleep(2.5)  # a few ticks go by
    assert not ReleasePlatform.objects.exists()
    assert not Delivery.objects.exists()


def test_a_upc_never_found_ends_not_found_with_a_message(
    engine: None,
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "GIVE_UP_HOURS", 0)
    found = scenario(admin, workspace, fans=3, live_in_s=1, visible=False)
    wait_for(
        lambda: MarketWave.objects.filter(status=WaveStatus.NOT_FOUND).exists(),
        20,
        "the wave to give up",
    )
    wave = MarketWave.objects.get(state__release=found.release)
    assert wave.status == WaveStatus.NOT_FOUND
    assert "paste the album link" in wave.last_poll_message
    assert not Delivery.objects.exists()


def test_a_release_moved_later_moves_its_waves(
    admin: AdminClient, workspace: Workspace, engine_settings: SettingsWrapper, db: None
) -> None:
    found = scenario(admin, workspace, fans=3, live_in_s=60)
    services.schedule_release(found.release)  # no commit hooks here: schedule by hand
    wave = MarketWave.objects.get(state__release=found.release)
    first = wave.instant
    release = Release.objects.get(pk=found.release.pk)
    release.release_date += dt.timedelta(days=7)
    release.save()
    services.schedule_release(release)
    wave.refresh_from_db()
    assert wave.instant == first + dt.timedelta(days=7)
    assert wave.status == WaveStatus.SCHEDULED
    services.tick()
    wave.refresh_from_db()
    assert wave.status == WaveStatus.SCHEDULED  # far away now: no detection, no delivery
    assert not Delivery.objects.exists()


def test_a_fan_deleted_mid_delivery_is_skipped(
    engine: None, admin: AdminClient, workspace: Workspace
) -> None:
    # 80 calls at 20 a second (not Spotify's default 5): still seconds after the first one.
    scenario(admin, workspace, fans=40, live_in_s=1, budget=BRISK_BUDGET)
    admin.faults(seed=1, latency_ms={"distribution": "fixed", "value": 60})
    wait_for(lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).exists(), 30, "start")
    gone = Delivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]).last()
    assert gone is not None
    delete_fan(gone.fan)
    wait_for(
        lambda: MarketWave.objects.filter(status=WaveStatus.DONE).exists(), 60, "the wave to finish"
    )
    assert Delivery.objects.count() == 39
    assert not Delivery.objects.filter(fan_id=gone.fan_id).exists()
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
