"""What members do by hand on release day: paste the album link when detection cannot find
the release, and send failed deliveries around again. The engine picks up from the rows.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.catalog.share_links import PlatformKey, PlatformRef, parse_id_or_link
from fanloop.fulfillment.models import (
    Delivery,
    DeliveryState,
    DetectionSource,
    DetectionStatus,
    MarketWave,
    ReleasePlatform,
    WaveStatus,
)
from fanloop.fulfillment.progress import RELEASE_ALBUM_FIELDS

# Waves that were waiting for the release to be found; a pasted album ends the wait.
WAITING_WAVES = (WaveStatus.SCHEDULED, WaveStatus.DETECTING, WaveStatus.NOT_FOUND)
MANUAL_MESSAGE = "Album link pasted by a member."


def parse_album(platform: str, text: str) -> PlatformRef:
    """The album a member pasted for ``platform``: a share link or a bare id.

    Raises ``ValidationError`` meant for the member (wrong platform, artist link, garbage).
    """
    if platform not in RELEASE_ALBUM_FIELDS:
        raise ValidationError("Unknown platform.", code="platform_unknown")
    key: PlatformKey = platform  # checked just above
    return parse_id_or_link(text, "album", key)


def set_album_manually(
    release: Release, platform: str, text: str, *, now: dt.datetime | None = None
) -> ReleasePlatform:
    """Mark ``release`` live on ``platform`` with the pasted album and start due deliveries.

    The album goes on the platform's state (source "manual") and on the release. Waves whose
    instant has passed and that were still waiting (scheduled, detecting, not found) move to
    delivering with ``started_at`` empty, so the engine creates their deliveries on its next
    tick; waves still to come stay scheduled and are delivered at their instant.
    """
    ref = parse_album(platform, text)
    now = now or timezone.now()
    with transaction.atomic():
        state, _ = ReleasePlatform.objects.select_for_update().get_or_create(
            release=release, platform=platform
        )
        if state.album_id != ref.id:
            # Ids found for another album no longer apply; the engine reads this one's.
            state.track_ids = []
            state.artist_ids = []
        state.album_id = ref.id
        state.url = ref.url
        state.status = DetectionStatus.LIVE
        state.source = DetectionSource.MANUAL
        state.detected_at = now
        state.save()
        MarketWave.objects.filter(state=state, instant__lte=now, status__in=WAITING_WAVES).update(
            status=WaveStatus.DELIVERING,
            detected_at=now,
            started_at=None,
            finished_at=None,
            next_poll_at=None,
            last_poll_message=MANUAL_MESSAGE,
            updated=now,
        )
        field = RELEASE_ALBUM_FIELDS[platform]
        if getattr(release, field) != ref.id:
            setattr(release, field, ref.id)
            release.save(update_fields=[field, "updated"])  # signals refresh the public page
    return state


def retry_failed(release: Release, platform: str = "", *, now: dt.datetime | None = None) -> int:
    """Send the failed deliveries of ``release`` (of one platform when given) again.

    They go back to pending with their reason cleared (attempts are kept: they tell how
    often it was tried) and their waves back to delivering. Returns how many were queued.
    Needs-reconnect deliveries are not retried: only the fan can fix those.
    """
    now = now or timezone.now()
    with transaction.atomic():
        failed = Delivery.objects.select_for_update().filter(
            release=release, state=DeliveryState.FAILED
        )
        if platform:
            failed = failed.filter(platform=platform)
        rows = list(failed.values_list("pk", "wave_id", "platform", "market"))
        if not rows:
            return 0
        Delivery.objects.filter(pk__in=[row[0] for row in rows]).update(
            state=DeliveryState.PENDING,
            reason="",
            retry_at=None,
            batch="",
            claimed_at=None,
            updated=now,
        )
        wave_ids = {row[1] for row in rows if row[1] is not None}
        # Rows not tied to a wave belong to the wave of their platform and market.
        for key, market in {(row[2], row[3]) for row in rows if row[1] is None}:
            wave_ids.update(
                MarketWave.objects.filter(
                    state__release=release, state__platform=key, market=market
                ).values_list("pk", flat=True)
            )
        MarketWave.objects.filter(pk__in=wave_ids).update(
            status=WaveStatus.DELIVERING, finished_at=None, updated=now
        )
    return len(rows)
