"""The emulator's fault mix (5 % 5xx, latency spikes, 1 % revoked users): every fan who was
not revoked is delivered, revoked ones need a reconnect, and the run finishes."""

from __future__ import annotations

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.fulfillment.models import Delivery, DeliveryState, MarketWave, WaveStatus

from .engine_helpers import UNPACED_BUDGET, scenario, wait_for


def test_fault_mix_delivers_everyone_not_revoked(
    engine: None, admin: AdminClient, workspace: Workspace
) -> None:
    fans = 120
    found = scenario(admin, workspace, fans=fans, live_in_s=2, budget=UNPACED_BUDGET)
    admin.faults(
        seed=9,
        platforms=["spotify"],
        error_rate={"500": 0.02, "502": 0.015, "503": 0.015},
        latency_ms={"distribution": "exponential", "mean": 5, "max": 400},
        revoked_user_share=0.03,
    )
    wait_for(
        lambda: MarketWave.objects.filter(
            state__release=found.release, status=WaveStatus.DONE
        ).exists(),
        60,
        "the wave to finish",
    )
    states = dict(Delivery.objects.values_list("fan_id", "state"))
    assert len(states) == fans
    assert set(states.values()) <= {DeliveryState.DELIVERED, DeliveryState.NEEDS_RECONNECT}
    revoked = {f for f, s in states.items() if s == DeliveryState.NEEDS_RECONNECT}
    assert 0 < len(revoked) < fans // 10
    album = f"spotify:album:{found.album_id}"
    for fan in found.fans:
        library = str(admin.library("spotify", found.users[fan.pk]))
        assert (album in library) == (fan.pk not in revoked)
    marked = PlatformConnection.objects.filter(status=ConnectionStatus.NEEDS_RECONNECT)
    assert set(marked.values_list("fan_id", flat=True)) == revoked
    events = FanEvent.objects.filter(release=found.release)
    assert events.filter(kind=FanEventKind.NEEDS_RECONNECT).count() == len(revoked)
    assert events.filter(kind=FanEventKind.DELIVERY_SUCCEEDED).count() == fans - len(revoked)
    assert admin.stats()["duplicate_saves"] == 0
