"""Flows test fixtures: the platform emulator, and the editor / action page fixtures."""

from __future__ import annotations

from fanloop.messaging.tests.conftest import smtp_sink  # noqa: F401 - fixture, used by name
from fanloop.platforms.tests.conftest import (  # noqa: F401 - fixtures, used by name
    admin,
    emulator_url,
    platform_settings,
)

from .ui_fixtures import artist, fan, release, templates  # noqa: F401 - fixtures
