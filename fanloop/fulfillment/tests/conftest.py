"""Engine fixtures: the platform emulator over real HTTP, and DBOS with the delivery schedules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from fanloop.platforms.tests.conftest import admin, emulator_url, platform_settings  # noqa: F401


@pytest.fixture
def engine_settings(platform_settings: SettingsWrapper) -> SettingsWrapper:  # noqa: F811
    """Fast ticks and small batches, so a test sees every step within seconds."""
    platform_settings.DELIVERY_TICK_SECONDS = 1
    platform_settings.DELIVERY_BATCH_SIZE = 10
    platform_settings.DELIVERY_WORKER_CONCURRENCY = 4
    return platform_settings


@pytest.fixture
def engine(engine_settings: SettingsWrapper, dbos_runtime: None) -> Iterator[None]:
    """DBOS launched in this process with the tick and the daily check scheduled."""
    from fanloop.fulfillment.workflows import after_launch

    after_launch()
    yield
