"""Fixtures and row builders for the delivery UI tests: a release with pre-savers, and
detection states, waves and deliveries written straight into the engine's tables (the
state machine is the contract; the engine itself is tested on its own).

Test modules import the fixtures by their function names (``release_fixture``); pytest
knows them by ``name`` (``release``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans.models import Fan, PreSave
from fanloop.fulfillment.models import (
    Delivery,
    DeliveryState,
    DetectionStatus,
    MarketWave,
    ReleasePlatform,
    WaveStatus,
)

UPC = "036000291452"
SPOTIFY_ALBUM = "4aawyAB9vmqN3uQ7FjRGTy"


@pytest.fixture(name="artist")
def artist_fixture(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="Nova Lights")


@pytest.fixture(name="release")
def release_fixture(artist: Artist) -> Release:
    return create_release(
        artist,
        {
            "title": "Midnight Signal",
            "release_date": timezone.localdate() + dt.timedelta(days=3),
            "upc": UPC,
        },
        [{"title": "Midnight Signal", "isrc": "QZDA72600001"}],
    )


def make_fans(workspace: Workspace, count: int, prefix: str = "fan") -> list[Fan]:
    start = Fan.objects.filter(workspace=workspace).count()
    return Fan.objects.bulk_create(
        Fan(workspace=workspace, email=f"{prefix}{start + i}@example.org", display_name="")
        for i in range(count)
    )


def presave(release: Release, fans: Iterable[Fan], platform: str = "spotify") -> None:
    PreSave.objects.bulk_create(
        PreSave(release=release, fan=fan, platform=platform) for fan in fans
    )


def state(
    release: Release, platform: str = "spotify", status: str = DetectionStatus.SCHEDULED, **fields
) -> ReleasePlatform:
    return ReleasePlatform.objects.create(
        release=release, platform=platform, status=status, **fields
    )


def wave(
    platform_state: ReleasePlatform,
    market: str = "",
    status: str = WaveStatus.SCHEDULED,
    instant: dt.datetime | None = None,
    **fields,
) -> MarketWave:
    return MarketWave.objects.create(
        state=platform_state,
        market=market,
        status=status,
        instant=instant or timezone.now() - dt.timedelta(minutes=5),
        **fields,
    )


def deliveries(
    release: Release,
    states: dict[str, int],
    *,
    platform: str = "spotify",
    market: str = "",
    on_wave: MarketWave | None = None,
    delivered_at: dt.datetime | None = None,
    reason: str = "",
) -> list[Delivery]:
    """``states`` maps a delivery state to how many fans are in it (new fans each time)."""
    workspace = release.artist.workspace
    rows: list[Delivery] = []
    for delivery_state, count in states.items():
        for fan in make_fans(workspace, count, prefix=f"{platform}-{market}-{delivery_state}-"):
            done = delivery_state == DeliveryState.DELIVERED
            rows.append(
                Delivery(
                    release=release,
                    fan=fan,
                    platform=platform,
                    market=market,
                    wave=on_wave,
                    state=delivery_state,
                    attempts=1 if delivery_state != DeliveryState.PENDING else 0,
                    reason=reason if delivery_state in ("failed", "needs_reconnect") else "",
                    delivered_at=(delivered_at or timezone.now()) if done else None,
                )
            )
    return Delivery.objects.bulk_create(rows)
