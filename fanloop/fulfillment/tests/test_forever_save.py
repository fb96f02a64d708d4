"""Forever save: the daily check finds a new album of the artist on the platform, makes it an
unpublished release, LIVE by the artist check, and delivers it to the forever-save fans;
back catalog and albums already known are left alone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fulfillment import audience, forever, services
from fanloop.fulfillment.models import (
    Delivery,
    DeliverySource,
    DeliveryState,
    DetectionSource,
    DetectionStatus,
    ReleasePlatform,
)

from .engine_helpers import add_fans, scenario, wait_for


def album(key: str, upc: str, days_ago: int) -> dict[str, object]:
    day = timezone.now().date() - dt.timedelta(days=days_ago)
    return {
        "key": key,
        "name": key.title(),
        "upc": upc,
        "artists": ["band"],
        "release_date": day.isoformat(),
        "tracks": [{"name": f"{key} song", "isrc": f"USLP1{upc[-7:]}"}],
    }


def test_a_new_album_reaches_forever_save_fans(
    engine: None, admin: AdminClient, workspace: Workspace
) -> None:
    found = scenario(admin, workspace, fans=0, live_in_s=3600, publish=False)
    add_fans(admin, found, 5, presave=False, follow=False, forever=True)
    add_fans(admin, found, 2, presave=False, follow=False, prefix="other")  # not opted in
    answer = admin.catalog(
        [], [album("surprise", "00602445799991", 1), album("classic", "00602445799992", 400)]
    )
    surprise_id = str(answer["albums"][0]["ids"]["spotify"])

    assert forever.check_artists() == 1
    assert forever.check_artists() == 0  # known now
    release = platform_ids.releases_with_id("spotify", surprise_id).get()
    assert not release.published and release.title == "Surprise"
    assert release.upc == "0602445799991"
    state = ReleasePlatform.objects.get(release=release)
    assert (state.status, state.source) == (DetectionStatus.LIVE, DetectionSource.ARTIST_CHECK)
    detected = FanEvent.objects.filter(kind=FanEventKind.NEW_RELEASE_DETECTED, release=release)
    assert detected.count() == 5

    wait_for(
        lambda: (
            Delivery.objects.filter(release=release, state=DeliveryState.DELIVERED).count() == 5
        ),
        30,
        "the forever-save deliveries",
    )
    assert set(Delivery.objects.values_list("source", flat=True)) == {DeliverySource.FOREVER_SAVE}
    opted = {f.pk for f in found.fans[:5]}
    assert set(Delivery.objects.values_list("fan_id", flat=True)) == opted
    assert not Release.objects.filter(title="Classic").exists()


def test_forever_save_fans_join_a_release_made_in_fanloop(
    admin: AdminClient, workspace: Workspace, db: None
) -> None:
    found = scenario(admin, workspace, fans=2, live_in_s=3600)
    add_fans(admin, found, 3, presave=False, follow=False, forever=True, prefix="ever")
    services.schedule_release(found.release)
    recipients = {(r.fan_id, r.source) for r in audience.recipients(found.release, "spotify")}
    assert len(recipients) == 5
    assert sum(1 for _, s in recipients if s == DeliverySource.FOREVER_SAVE) == 3
