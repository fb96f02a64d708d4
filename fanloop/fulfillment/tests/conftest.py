"""Engine fixtures: the platform emulator over real HTTP, and DBOS with the delivery schedules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from fanloop.fulfillment import services, workflows
from fanloop.platforms.tests.conftest import admin, emulator_url, platform_settings  # noqa: F401


@pytest.fixture
def engine_settings(
    platform_settings: SettingsWrapper,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> SettingsWrapper:
    """Fast ticks and small batches, so a test sees every step within seconds."""
    monkeypatch.setattr(workflows, "TICK_SECONDS", 1)
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    monkeypatch.setattr(services, "WORKER_CONCURRENCY", 4)
    return platform_settings


@pytest.fixture
def engine(engine_settings: SettingsWrapper, dbos_runtime: None) -> Iterator[None]:
    """DBOS launched in this process with the tick and the daily check scheduled."""
    from fanloop.ops.worker import start_schedules

    start_schedules(["fanloop.fulfillment.workflows"])
    yield
