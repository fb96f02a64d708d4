"""Forever save: the daily check of forever-save artists' new albums on each platform.

For every artist with forever-save fans, each platform the workspace has an app for and the
artist has an id on is asked for the artist's albums released in the last
``LOOKBACK_DAYS`` days. An album fanloop does not know (by platform id, or by
UPC for a release fanloop has) becomes an unpublished ``Release`` (global instant: its
release day, 00:00 UTC) whose ``ReleasePlatform`` is LIVE (source ARTIST_CHECK) with one
wave in DELIVERING: the tick then creates the forever-save fans' deliveries. Forever-save
fans connected to that platform get a NEW_RELEASE_DETECTED event.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release, ReleaseMode, ReleaseType
from fanloop.fans import consents
from fanloop.fans.models import ConsentKind, PlatformConnection
from fanloop.fulfillment.audience import active_consents
from fanloop.fulfillment.models import (
    DetectionSource,
    DetectionStatus,
    MarketWave,
    ReleasePlatform,
    WaveStatus,
)
from fanloop.fulfillment.pacer import Permits, pause
from fanloop.fulfillment.services import DEFAULT_MARKET, lookup_app
from fanloop.platforms.base import AlbumInfo
from fanloop.platforms.errors import PlatformError, RateLimited
from fanloop.platforms.registry import get_platform

log = logging.getLogger(__name__)

RELEASE_TYPES = {"single": ReleaseType.SINGLE, "ep": ReleaseType.EP}
# Albums the daily check finds that are older than this are back catalog, not new releases.
# Not measured; chosen so an album found late (a check missed for days) still counts as new.
LOOKBACK_DAYS = 14


def forever_artists() -> list[Artist]:
    """Artists some fan's forever-save consent is active for now, by the one consent rule
    (a workspace-wide grant stands for every artist of the workspace)."""
    active = consents.active_for_any_sender(ConsentKind.FOREVER_SAVE)
    artist_ids = set(active.filter(artist__isnull=False).values_list("artist_id", flat=True))
    workspaces = set(active.filter(artist__isnull=True).values_list("fan__workspace_id", flat=True))
    return list(
        (
            Artist.objects.filter(pk__in=artist_ids)
            | Artist.objects.filter(workspace_id__in=workspaces)
        ).prefetch_related("platform_ids")
    )


def check_artists(now: dt.datetime | None = None) -> int:
    """Run the check for every forever-save artist; returns the releases created."""
    now = now or timezone.now()
    created = 0
    for artist in forever_artists():
        fans = active_consents(ConsentKind.FOREVER_SAVE, artist)
        if not fans:
            continue
        ids = platform_ids.artist_ids(artist)
        for platform in platform_ids.keys():
            platform_artist_id = ids.get(platform, "")
            if not platform_artist_id:
                continue
            if not PlatformConnection.objects.filter(fan_id__in=fans, platform=platform).exists():
                continue
            try:
                created += check_artist(artist, platform, platform_artist_id, now)
            except (PlatformError, LookupError) as exc:
                log.warning("forever-save check of %s on %s failed: %s", artist.pk, platform, exc)
    return created


def check_artist(artist: Artist, platform: str, platform_artist_id: str, now: dt.datetime) -> int:
    app = lookup_app(artist.workspace_id, platform)
    if app is None:
        raise LookupError(f"no {platform} app")
    adapter = get_platform(platform, app.credentials(redirect_uri=""))
    since = now.date() - dt.timedelta(days=LOOKBACK_DAYS)
    Permits(app).take(2)
    try:
        albums = adapter.artist_albums(platform_artist_id, DEFAULT_MARKET, since)
    except RateLimited as exc:
        pause(app, exc.retry_after)
        raise
    created = 0
    for album in albums:
        if album.release_date is not None and album.release_date > now.date():
            continue
        if _known(artist, platform, album):
            continue
        adopt(artist, album, platform_artist_id, now)
        created += 1
    return created


def _known(artist: Artist, platform: str, album: AlbumInfo) -> bool:
    if ReleasePlatform.objects.filter(
        release__artist=artist, platform=platform, album_id=album.album_id
    ).exists():
        return True
    if platform_ids.releases_with_id(platform, album.album_id).filter(artist=artist).exists():
        return True
    upc = catalog_upc(album.upc)
    if not upc:
        return False
    return any(
        catalog_upc(known) == upc
        for known in Release.objects.filter(artist=artist)
        .exclude(upc="")
        .values_list("upc", flat=True)
    )


def catalog_upc(value: str) -> str:
    """A platform's UPC as the catalog keeps it: GTIN-14 padding zeros dropped, 12-13 digits."""
    digits = (value or "").strip()
    while len(digits) > 13 and digits.startswith("0"):
        digits = digits[1:]
    return digits if digits.isdigit() and 12 <= len(digits) <= 13 else ""


def _slug(artist: Artist, title: str) -> str:
    base = slugify(title)[:70].strip("-") or "release"
    slug, n = base, 1
    while Release.objects.filter(artist=artist, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def adopt(artist: Artist, album: AlbumInfo, platform_artist_id: str, now: dt.datetime) -> Release:
    """The album becomes an unpublished release, LIVE on ``album.platform``, delivering."""
    day = album.release_date or now.date()
    release = Release.objects.create(
        artist=artist,
        title=album.title[:200] or "Untitled",
        slug=_slug(artist, album.title),
        release_type=RELEASE_TYPES.get(album.album_type, ReleaseType.ALBUM),
        upc=catalog_upc(album.upc),
        release_mode=ReleaseMode.GLOBAL,
        release_date=day,
        release_time=dt.time(0, 0),
        release_time_zone="UTC",
        published=False,
    )
    platform_ids.write_release_ids(release, {album.platform: album.album_id})
    state = ReleasePlatform.objects.create(
        release=release,
        platform=album.platform,
        status=DetectionStatus.LIVE,
        source=DetectionSource.ARTIST_CHECK,
        album_id=album.album_id,
        artist_ids=[platform_artist_id],
        url=album.url[:300],
        detected_at=now,
    )
    MarketWave.objects.create(
        state=state,
        market="",
        instant=min(release.global_instant(), now),
        status=WaveStatus.DELIVERING,
        detected_at=now,
        announced_at=now,  # no pre-savers: nothing to announce
    )
    fans = active_consents(ConsentKind.FOREVER_SAVE, artist)
    connected = PlatformConnection.objects.filter(
        fan_id__in=fans, platform=album.platform
    ).values_list("fan_id", flat=True)
    record_fan_events(
        NewFanEvent(
            workspace_id=artist.workspace_id,
            fan_id=fan_id,
            kind=FanEventKind.NEW_RELEASE_DETECTED,
            key=f"new_release:{release.pk}:{fan_id}",
            actor=Actor.FANLOOP,
            artist_id=artist.pk,
            release_id=release.pk,
            platform=album.platform,
            data={"album_id": album.album_id, "title": album.title},
        )
        for fan_id in connected
    )
    return release
