"""Fixtures for the public page tests: the event log's release and clean caches."""

from __future__ import annotations

from fanloop.analytics.tests.conftest import (  # noqa: F401 - fixtures, used by name
    artist,
    clean_analytics_state,
    release,
)
from fanloop.platforms.tests.conftest import (  # noqa: F401 - the emulator, for the capture flow
    admin,
    emulator_url,
    platform_settings,
)

from .oauth_flow import flow  # noqa: F401 - the OAuth pre-save round trip
