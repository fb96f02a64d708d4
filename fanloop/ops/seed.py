"""Demo data: a workspace, a user, an artist with one upcoming and one released release,
and a release-day release going live a few minutes after the demo starts; beside it a second
workspace whose artist has one upcoming release (its Spotify app is in extended mode, where
the first workspace's is in development mode: the connect path and the email path side by
side).

Idempotent: running it again refreshes dates instead of duplicating rows, and starts the
release-day release's delivery over (its detection and deliveries are forgotten).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from fanloop.accounts.models import Membership, Role, User, Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.hooks import release_saved
from fanloop.catalog.models import (
    Artist,
    Release,
    ReleaseMode,
    ReleasePlatformId,
    ReleaseType,
    Track,
)
from fanloop.flows.defaults import create_default_flow
from fanloop.fulfillment.models import Delivery, ReleasePlatform
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.spotify import Spotify

DEMO_EMAIL = "demo@fanloop.local"
DEMO_PASSWORD = "fanloop-demo"
# The upcoming release's Spotify Countdown Page (a made-up id: the demo never leaves the
# machine, and the button only shows the counted redirect).
DEMO_COUNTDOWN_PAGE = "https://open.spotify.com/prerelease/0demoMidnightSignal001"


@dataclass
class DemoData:
    user: User
    workspace: Workspace
    artist: Artist
    upcoming: Release
    released: Release
    release_day: Release  # goes live minutes after the demo starts, in one global instant
    # The second workspace: an extended-mode Spotify app, fans connect from its page.
    open_workspace: Workspace
    open_artist: Artist
    open_upcoming: Release


RGB = tuple[int, int, int]


def _artwork(name: str, top: RGB, bottom: RGB) -> ContentFile[bytes]:
    """A square gradient cover so the demo looks like a real release page."""
    size = 600
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        color = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (size, y)], fill=color)
    draw.ellipse([150, 150, 450, 450], outline=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=f"{name}.jpg")


def release_day_instant(now: dt.datetime, delay_minutes: int) -> dt.datetime:
    """``delay_minutes`` from ``now``, on a whole minute (release times have no seconds)."""
    instant = now.astimezone(dt.UTC) + dt.timedelta(minutes=delay_minutes)
    if instant.second or instant.microsecond:
        instant = instant.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return instant


def _owned_artist(
    user: User, workspace: tuple[str, str], artist: tuple[str, str]
) -> tuple[Workspace, Artist, bool]:
    """The workspace (slug, name) with its default flow, owned by ``user``, and its artist
    (slug, name), each made unless there; whether the artist was made now."""
    space, created = Workspace.objects.get_or_create(
        slug=workspace[0], defaults={"name": workspace[1]}
    )
    if created:
        create_default_flow(space)
    Membership.objects.update_or_create(workspace=space, user=user, defaults={"role": Role.OWNER})
    made, created = Artist.objects.get_or_create(
        slug=artist[0], defaults={"workspace": space, "name": artist[1]}
    )
    return space, made, created


@transaction.atomic
def seed_demo(now: dt.datetime | None = None, delay_minutes: int = 3) -> DemoData:
    now = now or timezone.now()
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, first_name="Demo")
    workspace, artist, created = _owned_artist(
        user, ("demo-records", "Demo Records"), ("nova-lights", "Nova Lights")
    )
    if created:
        platform_ids.write_artist_ids(
            artist,
            {
                Spotify.key: (
                    "0demoNovaLights00000001",
                    "https://open.spotify.com/artist/0demoNovaLights00000001",
                ),
                Deezer.key: ("900001", "https://www.deezer.com/artist/900001"),
                AppleMusic.key: (
                    "1500000001",
                    "https://music.apple.com/us/artist/nova-lights/1500000001",
                ),
            },
        )
    upcoming = seed_release(
        artist,
        slug="midnight-signal",
        title="Midnight Signal",
        release_type=ReleaseType.SINGLE,
        upc="196922000010",
        release_date=(now + dt.timedelta(days=5)).date(),
        colors=((91, 43, 224), (12, 10, 40)),
        tracks=[("Midnight Signal", "QZDA72600001")],
    )
    released = seed_release(
        artist,
        slug="first-light",
        title="First Light",
        release_type=ReleaseType.EP,
        upc="196922000027",
        release_date=(now - dt.timedelta(days=30)).date(),
        colors=((255, 140, 66), (120, 20, 60)),
        tracks=[("First Light", "QZDA72600002"), ("Afterglow", "QZDA72600003")],
        album_ids={
            Spotify.key: "0demoFirstLightAlbum001",
            Deezer.key: "800001",
            AppleMusic.key: "1600000001",
        },
    )
    upcoming.in_app_presave_url = DEMO_COUNTDOWN_PAGE
    upcoming.save(update_fields=["in_app_presave_url"])
    release_day = seed_release(
        artist,
        slug="countdown",
        title="Countdown",
        release_type=ReleaseType.SINGLE,
        upc="196922000034",
        release_date=now.date(),
        colors=((20, 160, 140), (10, 30, 60)),
        tracks=[("Countdown", "QZDA72600004")],
        global_instant=release_day_instant(now, delay_minutes),
        fresh_start=True,
    )
    open_workspace, open_artist, open_upcoming = _seed_open_door(user, now)
    return DemoData(
        user,
        workspace,
        artist,
        upcoming,
        released,
        release_day,
        open_workspace,
        open_artist,
        open_upcoming,
    )


def _seed_open_door(user: User, now: dt.datetime) -> tuple[Workspace, Artist, Release]:
    workspace, artist, _ = _owned_artist(
        user, ("open-door-music", "Open Door Music"), ("open-door", "Open Door")
    )
    upcoming = seed_release(
        artist,
        slug="wide-open",
        title="Wide Open",
        release_type=ReleaseType.SINGLE,
        upc="196922000041",
        release_date=(now + dt.timedelta(days=6)).date(),
        colors=((240, 200, 60), (40, 90, 160)),
        tracks=[("Wide Open", "QZDA72600005")],
    )
    return workspace, artist, upcoming


def seed_release(
    artist: Artist,
    *,
    slug: str,
    title: str,
    release_type: str,
    upc: str,
    release_date: dt.date,
    colors: tuple[tuple[int, int, int], tuple[int, int, int]],
    tracks: list[tuple[str, str]],
    album_ids: dict[str, str] | None = None,
    global_instant: dt.datetime | None = None,
    fresh_start: bool = False,
) -> Release:
    release = Release.objects.filter(artist=artist, slug=slug).first()
    if release is None:
        release = Release(artist=artist, slug=slug, title=title)
        release.artwork.save(f"{slug}.jpg", _artwork(slug, *colors), save=False)
    elif fresh_start:
        # Last run's detection and deliveries would show a finished release day.
        Delivery.objects.filter(release=release).delete()
        ReleasePlatform.objects.filter(release=release).delete()
        ReleasePlatformId.objects.filter(release=release).delete()
    release.release_type = release_type
    release.upc = upc
    release.release_date = release_date
    release.release_mode = ReleaseMode.LOCAL_MIDNIGHT
    if global_instant is not None:
        release.release_mode = ReleaseMode.GLOBAL
        release.release_date = global_instant.date()
        release.release_time = global_instant.time()
        release.release_time_zone = "UTC"
    release.label_line = f"℗ 2026 {artist.workspace.name}"
    release.description = f"{title} by {artist.name}. Pre-save it now and it lands in your library."
    release.published = True
    release.save()
    platform_ids.write_release_ids(release, album_ids or {})
    release_saved.run(release)  # as catalog's release services do: delivery gets scheduled
    for position, (track_title, isrc) in enumerate(tracks, start=1):
        Track.objects.update_or_create(
            release=release, position=position, defaults={"title": track_title, "isrc": isrc}
        )
    return release
