"""Insights test fixtures: a clean page-view buffer and salts, and a platform app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fanloop.accounts.models import Workspace
from fanloop.analytics import buffer
from fanloop.analytics.services import forget_cached_salts
from fanloop.platforms.models import PlatformApp


@pytest.fixture(autouse=True)
def clean_analytics_state() -> Iterator[None]:
    buffer.events.clear()
    forget_cached_salts()
    yield
    buffer.events.clear()
    forget_cached_salts()


@pytest.fixture
def spotify_app(workspace: Workspace) -> PlatformApp:
    return PlatformApp.objects.create(
        workspace=workspace,
        platform="spotify",
        client_id="fanloop-client",
        client_secret="fanloop-secret",
        name="spotify app",
    )
