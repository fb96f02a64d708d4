"""The shared pacer: GCRA slots spaced by the budget less its headroom, reserved a few at a
time, a 429 pausing every worker; and against the emulator's rolling limit, calls run close
to the budget without a single 429."""

from __future__ import annotations

import time

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.fulfillment import pacer
from fanloop.fulfillment.models import Delivery, DeliveryState, MarketWave, RateGate
from fanloop.platforms.models import PlatformApp

from .engine_helpers import scenario, wait_for


@pytest.fixture
def app(
    workspace: Workspace, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> PlatformApp:
    monkeypatch.setattr(pacer, "BUDGET_HEADROOM_PERCENT", 2)
    return PlatformApp.objects.create(workspace=workspace, platform="spotify", budget_per_30s=150)


def test_slots_are_spaced_by_the_budget_less_headroom(app: PlatformApp) -> None:
    step = 30 / (150 * 0.98)
    assert pacer.interval_s(app) == pytest.approx(step)
    first = pacer.reserve(app, 1)
    second = pacer.reserve(app, 3)
    third = pacer.reserve(app, 1)
    assert second == pytest.approx(first + step)
    assert third == pytest.approx(second + 3 * step)
    assert RateGate.objects.get(app=app).calls == 5


def test_idle_time_banks_at_most_a_quarter_of_the_headroom(app: PlatformApp) -> None:
    app.budget_per_30s = 4000  # 80 spare calls per 30 s: 20 may be caught up on
    RateGate.objects.create(app=app, tat=time.time() - 3600)
    start = pacer.reserve(app, 1)
    assert start == pytest.approx(time.time() - 20 * pacer.interval_s(app), abs=0.05)


def test_small_budgets_bank_nothing(app: PlatformApp) -> None:
    RateGate.objects.create(app=app, tat=time.time() - 3600)
    start = pacer.reserve(app, 1)
    assert start == pytest.approx(time.time(), abs=0.5)
    assert pacer.reserve(app, 1) == pytest.approx(start + pacer.interval_s(app))


def test_a_429_pauses_every_worker(app: PlatformApp) -> None:
    waits: list[float] = []
    permits = pacer.Permits(app, sleep=waits.append)
    permits.rate_limited(7)
    assert waits and 6.5 < waits[0] < 7.5
    gate = RateGate.objects.get(app=app)
    assert gate.pauses == 1
    assert pacer.reserve(app, 1) >= gate.paused_until


def test_grain_stays_within_half_the_headroom(app: PlatformApp) -> None:
    assert pacer.grain(app) == 1  # 150 per 30 s: 3 spare calls
    app.budget_per_30s = 4000
    assert pacer.grain(app) == 40
    app.budget_per_30s = 30_000
    assert pacer.grain(app) == 50


def test_permits_reserve_what_is_coming_in_one_round_trip(app: PlatformApp) -> None:
    app.budget_per_30s = 4000
    permits = pacer.Permits(app, sleep=lambda s: None)
    permits.take(1, ahead=9)
    assert RateGate.objects.get(app=app).calls == 10
    for _ in range(9):
        permits.take(1)
    assert RateGate.objects.get(app=app).calls == 10


def test_delivery_under_a_rolling_limit_keeps_pace_without_429s(
    engine: None, admin: AdminClient, workspace: Workspace, engine_settings: SettingsWrapper
) -> None:
    """The emulator allows 10 calls per 3 s; the app's budget, 80 per 30 s, fits under it."""
    fans = 30
    scenario(admin, workspace, fans=fans, live_in_s=1, budget=80, limit=10, window_s=3)
    wait_for(
        lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == fans,
        40,
        "every delivery",
    )
    stats = admin.stats()
    assert stats["rate_limited"] == 0
    wave = MarketWave.objects.get()
    last = max(d for d in Delivery.objects.values_list("delivered_at", flat=True) if d)
    assert wave.started_at is not None
    elapsed = (last - wave.started_at).total_seconds()
    allowed = 80 * 0.98 / 30  # calls per second fanloop allows itself
    paced = (fans - 1) / allowed  # the lookup's two calls came just before
    assert 0.9 * paced <= elapsed <= paced / 0.8
