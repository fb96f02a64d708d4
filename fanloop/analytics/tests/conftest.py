"""Fixtures for the event log and public page tests: a release, a clean buffer and caches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fanloop.accounts.models import Workspace
from fanloop.analytics import buffer
from fanloop.analytics.services import forget_cached_salts
from fanloop.analytics.tests.factories import make_artist, make_release
from fanloop.campaigns import pages
from fanloop.catalog.models import Artist, Release


@pytest.fixture(autouse=True)
def clean_analytics_state() -> Iterator[None]:
    buffer.events.clear()
    forget_cached_salts()
    pages.clear()
    yield
    buffer.events.clear()
    forget_cached_salts()
    pages.clear()


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return make_artist(workspace)


@pytest.fixture
def release(artist: Artist) -> Release:
    return make_release(artist, album_ids={"spotify": "4aawyAB9vmqN3uQ7FjRGTy", "deezer": "302127"})
