"""Forever save on TIDAL: an artist with a TIDAL id (a row like any platform's) is checked
on TIDAL for forever-save fans connected there, and a new album found there becomes an
unpublished release with its TIDAL album id."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection
from fanloop.fulfillment import forever
from fanloop.fulfillment.models import DetectionSource, ReleasePlatform
from fanloop.platforms import tidal
from fanloop.platforms.models import PlatformApp

CLIENT, SECRET = "tidal-client", "tidal-secret"


def test_a_tidal_artist_id_is_enough_for_the_forever_save_check(
    admin: AdminClient,
    platform_settings: SettingsWrapper,
    emulator_url: str,
    workspace: Workspace,
) -> None:
    platform_settings.PLATFORM_EMULATOR_URL = emulator_url
    tidal._app_tokens.clear()
    admin.app(platform="tidal", client_id=CLIENT, client_secret=SECRET, name="fanloop")
    day = timezone.now().date() - dt.timedelta(days=1)
    answer = admin.catalog(
        [{"key": "band", "name": "The Band"}],
        [
            {
                "key": "surprise",
                "name": "Surprise",
                "upc": "00602445799991",
                "artists": ["band"],
                "release_date": day.isoformat(),
                "tracks": [{"name": "Surprise song", "isrc": "USLP10799991"}],
            }
        ],
    )
    tidal_artist = str(answer["artists"][0]["ids"]["tidal"])
    tidal_album = str(answer["albums"][0]["ids"]["tidal"])
    app = PlatformApp.objects.create(
        workspace=workspace, platform="tidal", client_id=CLIENT, client_secret=SECRET
    )
    artist = Artist.objects.create(workspace=workspace, name="The Band", slug="the-band")
    platform_ids.write_artist_ids(
        artist, {"tidal": (tidal_artist, tidal.listen_link("artist", tidal_artist))}
    )
    fan = Fan.objects.create(workspace=workspace, display_name="Tide Fan", country="NO")
    PlatformConnection.objects.create(
        fan=fan, app=app, platform="tidal", platform_user_id="190000007", country="NO"
    )
    Consent.objects.create(
        fan=fan,
        kind=ConsentKind.FOREVER_SAVE,
        granted=True,
        artist=artist,
        wording_version="t1",
        wording="Save future releases: The Band",
    )

    assert forever.check_artists() == 1
    assert forever.check_artists() == 0  # known now, by its TIDAL id
    release = platform_ids.releases_with_id("tidal", tidal_album).get()
    assert release.artist == artist and not release.published
    state = ReleasePlatform.objects.get(release=release)
    assert (state.platform, state.source) == ("tidal", DetectionSource.ARTIST_CHECK)
    assert state.artist_ids == [tidal_artist]
