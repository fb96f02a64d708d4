"""Publish a release with pre-savers; at its instant the worker detects it on the emulator
and every fan's library gets the album (and the artist, for fans who agreed to follow)."""

from __future__ import annotations

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fulfillment.models import (
    Delivery,
    DeliveryState,
    DetectionSource,
    DetectionStatus,
    MarketWave,
    ReleasePlatform,
    WaveStatus,
)

from .engine_helpers import UNPACED_BUDGET, scenario, wait_for


def test_release_lands_in_every_presavers_library(
    engine: None, admin: AdminClient, workspace: Workspace
) -> None:
    found = scenario(admin, workspace, fans=25, live_in_s=3, budget=UNPACED_BUDGET)
    state = ReleasePlatform.objects.get(release=found.release, platform="spotify")
    assert MarketWave.objects.filter(state=state).count() == 1  # global: one instant

    wait_for(
        lambda: MarketWave.objects.filter(state=state, status=WaveStatus.DONE).exists(),
        what="the wave to finish",
    )
    state.refresh_from_db()
    assert state.status == DetectionStatus.LIVE
    assert state.source == DetectionSource.LOOKUP
    assert state.album_id == found.album_id
    deliveries = Delivery.objects.filter(release=found.release)
    assert deliveries.count() == 25
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    assert all(d.delivered_at is not None and d.follow for d in deliveries)
    for fan in found.fans[:3]:
        library = admin.library("spotify", found.users[fan.pk])
        assert f"spotify:album:{found.album_id}" in str(library)
    stats = admin.stats()
    assert stats["duplicate_saves"] == 0
    events = FanEvent.objects.filter(release=found.release)
    assert events.filter(kind=FanEventKind.DELIVERY_SUCCEEDED).count() == 25
    assert events.filter(kind=FanEventKind.SAVED).count() == 25
    assert events.filter(kind=FanEventKind.FOLLOWED).count() == 25
    assert events.filter(kind=FanEventKind.RELEASE_LIVE).count() == 25
