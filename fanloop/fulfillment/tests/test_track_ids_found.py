"""Track ids found on a platform by ISRC (release detection's fallback when a release has no
UPC) are stored on the track, a member's or an earlier one winning; one-click track saves then
read the stored id, with no call to the platform. Over real HTTP against the emulator."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release, ReleaseMode, Track
from fanloop.flows.grants import track_ref
from fanloop.fulfillment import services
from fanloop.platforms.base import ItemRef

from .engine_helpers import spotify_app

ISRC = "USLP12000001"
UNKNOWN_ISRC = "USLP12000099"  # not in the emulated catalog


def _requests(admin: AdminClient) -> int:
    """Calls the emulator answered on Spotify's routes (its admin API's own left out)."""
    routes = admin.stats()["requests"].items()
    return sum(sum(counts.values()) for route, counts in routes if " /spotify/" in route)


def _release_without_upc(admin: AdminClient, workspace: Workspace) -> tuple[Release, str, str]:
    """A released album known to the emulator by its tracks' ISRCs only: (release, the album's
    id and its first track's id on Spotify)."""
    out = timezone.now() - dt.timedelta(days=1)
    album = {
        "key": "lp",
        "name": "Loop LP",
        "upc": "0602445790012",
        "artists": ["band"],
        "release_at": out.isoformat(),
        "tracks": [{"name": "One", "isrc": ISRC}],
    }
    ids = admin.catalog([{"key": "band", "name": "The Band"}], [album])
    spotify_app(admin, workspace)
    artist = Artist.objects.create(workspace=workspace, name="The Band", slug="the-band")
    release = Release.objects.create(
        artist=artist,
        title="Loop LP",
        slug="loop-lp",
        upc="",
        release_mode=ReleaseMode.GLOBAL,
        release_date=out.date(),
        release_time=out.time().replace(microsecond=0),
        release_time_zone="UTC",
    )
    Track.objects.create(release=release, position=1, title="One", isrc=ISRC)
    Track.objects.create(release=release, position=2, title="Two", isrc=UNKNOWN_ISRC)
    found = ids["albums"][0]
    return release, str(found["ids"]["spotify"]), str(found["tracks"][0]["ids"]["spotify"])


def test_a_lookup_by_isrc_stores_the_track_id_and_track_saves_use_it(
    platform_settings: object, admin: AdminClient, workspace: Workspace
) -> None:
    release, album_id, track_id = _release_without_upc(admin, workspace)
    first, second = release.tracks.order_by("position")
    assert track_ref(release, "spotify", 1) is None  # nothing found yet

    ref = services.lookup(release, "spotify", "US")

    assert ref is not None and ref.album_id == album_id
    assert ref.track_ids == ()  # an ISRC answer names no album tracks
    assert platform_ids.track_ids(first) == {"spotify": track_id}
    assert platform_ids.track_ids(second) == {}  # not looked up
    calls = _requests(admin)
    assert calls > 0  # the lookup went to the emulator
    assert track_ref(release, "spotify", 1) == ItemRef("track", track_id)
    assert track_ref(release, "spotify", 2) is None
    assert _requests(admin) == calls  # read from the store, not asked again


def test_a_stored_track_id_wins_over_the_one_found(
    platform_settings: object, admin: AdminClient, workspace: Workspace
) -> None:
    release, album_id, track_id = _release_without_upc(admin, workspace)
    first = release.tracks.get(position=1)
    platform_ids.set_track_ids(first, {"spotify": "memberset123"})

    ref = services.lookup(release, "spotify", "US")

    assert ref is not None and ref.album_id == album_id
    assert platform_ids.track_ids(Track.objects.get(pk=first.pk)) == {"spotify": "memberset123"}
    assert track_ref(release, "spotify", 1) == ItemRef("track", "memberset123")
    assert not platform_ids.remember_track_id(first.pk, "spotify", track_id)
