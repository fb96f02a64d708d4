"""Where events come from: release-day delivery's wave hooks (``release.live``,
``delivery.finished``), registered in ``AppConfig.ready``. Fan events are read from the
fan event log (``intake.py``)."""

from __future__ import annotations

from django.utils import timezone

from fanloop.fulfillment import wave_hooks
from fanloop.fulfillment.models import MarketWave
from fanloop.webhooks import events, services


def _workspace_id(wave: MarketWave) -> int:
    return int(wave.state.release.artist.workspace_id)


def wave_live(wave: MarketWave) -> None:
    at = wave.announced_at or timezone.now()
    services.record_event(
        _workspace_id(wave),
        events.RELEASE_LIVE,
        key=f"release.live:{wave.pk}",
        data=events.wave_data(wave),
        at=at,
    )


def wave_finished(wave: MarketWave) -> None:
    at = wave.finished_at or timezone.now()
    services.record_event(
        _workspace_id(wave),
        events.DELIVERY_FINISHED,
        # A wave reopened (a late pre-saver, a manual retry) finishes again: another event.
        key=f"delivery.finished:{wave.pk}:{at.isoformat()}",
        data=events.finished_data(wave),
        at=at,
    )


def register() -> None:
    wave_hooks.wave_live.register("webhooks", wave_live)
    wave_hooks.wave_finished.register("webhooks", wave_finished)
