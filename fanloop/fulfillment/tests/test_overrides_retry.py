"""Retry failed: failed deliveries go back to pending (reason cleared, attempts kept) and
their waves back to delivering; nothing else moves."""

from __future__ import annotations

from django.utils import timezone

from fanloop.fulfillment.models import Delivery, DeliveryState, DetectionStatus, WaveStatus
from fanloop.fulfillment.overrides import retry_failed

from .ui_fixtures import artist_fixture, deliveries, release_fixture, state, wave  # noqa: F401 - fixtures


def test_it_queues_failed_deliveries_again(release):
    spotify = state(release, "spotify", DetectionStatus.LIVE)
    done = wave(
        spotify, "DE", WaveStatus.DONE, started_at=timezone.now(), finished_at=timezone.now()
    )
    failed = deliveries(release, {"failed": 3}, market="DE", on_wave=done, reason="HTTP 502")
    Delivery.objects.filter(pk__in=[d.pk for d in failed]).update(attempts=4, batch="wf-1")
    others = deliveries(release, {"delivered": 2, "needs_reconnect": 1}, market="DE", on_wave=done)

    assert retry_failed(release) == 3

    for row in Delivery.objects.filter(pk__in=[d.pk for d in failed]):
        assert (row.state, row.reason, row.attempts, row.batch) == ("pending", "", 4, "")
    assert sorted(Delivery.objects.filter(pk__in=[d.pk for d in others]).values_list(
        "state", flat=True)) == ["delivered", "delivered", "needs_reconnect"]  # fmt: skip
    done.refresh_from_db()
    assert done.status == WaveStatus.DELIVERING and done.finished_at is None
    assert done.started_at is not None  # its deliveries exist: the engine must not re-create


def test_it_retries_one_platform_only(release):
    deliveries(release, {"failed": 2}, platform="spotify")
    deliveries(release, {"failed": 1}, platform="deezer")
    assert retry_failed(release, "deezer") == 1
    assert Delivery.objects.filter(state=DeliveryState.FAILED, platform="spotify").count() == 2


def test_it_finds_the_wave_of_deliveries_without_one(release):
    deezer = state(release, "deezer", DetectionStatus.LIVE)
    global_wave = wave(deezer, "", WaveStatus.DONE)
    other_market = wave(deezer, "US", WaveStatus.DONE)
    deliveries(release, {"failed": 1}, platform="deezer", market="")
    assert retry_failed(release) == 1
    global_wave.refresh_from_db()
    other_market.refresh_from_db()
    assert global_wave.status == WaveStatus.DELIVERING
    assert other_market.status == WaveStatus.DONE


def test_it_does_nothing_without_failures(release):
    deliveries(release, {"delivered": 1, "needs_reconnect": 1})
    assert retry_failed(release) == 0
    assert not Delivery.objects.filter(state=DeliveryState.PENDING).exists()
