"""Scenario builder for engine tests: an emulated catalog and app, and a release in fanloop
with pre-savers whose tokens the emulator issued (rows written directly, in bulk)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release, ReleaseMode
from fanloop.catalog.services import publish_release
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.validators import BUDGET_MAX

SPOTIFY_ID = "0123456789abcdef0123456789abcdef"
SPOTIFY_SECRET = "5ec2e75ec2e75ec2e75ec2e75ec2e7aa"
DEEZER_ID = "555"
DEEZER_SECRET = "deezer-secret-value"
REDIRECT = "http://127.0.0.1:8000/connect/spotify/callback"
UPC = "0602445790012"  # 13 digits: what Release.upc holds
READ_SCOPES = "user-library-modify user-library-read user-follow-modify user-follow-read"
# A call budget the pacer never waits for (the most the app form accepts): for the tests
# whose subject is not pacing. Spotify's default of 150 per 30 s spaces calls 0.2 s apart,
# so a batch of 60 fans spends 12 s asleep in the pacer; the emulated app is unlimited.
UNPACED_BUDGET = BUDGET_MAX
# 600 calls per 30 s: 20 a second, four times Spotify's default, for the tests that act while
# a delivery runs (a kill, a fan deleted): a delivery of dozens of fans still takes seconds.
BRISK_BUDGET = 600


@dataclass
class Scenario:
    workspace: Workspace
    artist: Artist
    release: Release
    app: PlatformApp
    ids: dict[str, Any]
    fans: list[Fan] = field(default_factory=list)
    users: dict[int, str] = field(default_factory=dict)  # fan pk -> emulator user id

    @property
    def album_id(self) -> str:
        return str(self.ids["albums"][0]["ids"][self.app.platform])


def spotify_app(
    admin: AdminClient,
    workspace: Workspace,
    *,
    limit: int | None = None,
    window_s: int = 30,
    budget: int | None = None,
) -> PlatformApp:
    fields: dict[str, Any] = {
        "platform": "spotify",
        "client_id": SPOTIFY_ID,
        "client_secret": SPOTIFY_SECRET,
        "redirect_uris": [REDIRECT],
        # Extended at the emulator: a development-mode app serves five accounts, these
        # scenarios have thousands. fanloop's copy stays in development mode, so the engine
        # takes its development-mode paths (/me/library), which extended apps answer alike.
        "mode": "extended",
        "name": "fanloop",
    }
    if limit is not None:
        fields["rate_limit"] = {"limit": limit, "window_s": window_s}
    admin.app(**fields)
    return PlatformApp.objects.create(
        workspace=workspace,
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        mode="development",
        user_cap=None,
        budget_per_30s=budget,
    )


def scenario(
    admin: AdminClient,
    workspace: Workspace,
    *,
    fans: int,
    live_in_s: float = 2.0,
    visible: bool = True,
    limit: int | None = None,
    window_s: int = 30,
    budget: int | None = None,
    scopes: str = READ_SCOPES,
    follow: bool = True,
    publish: bool = True,
) -> Scenario:
    """A global-instant release ``live_in_s`` from now with ``fans`` Spotify pre-savers."""
    instant = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=live_in_s)
    albums: list[dict[str, Any]] = []
    if visible:
        albums.append(
            {
                "key": "lp",
                "name": "Loop LP",
                "upc": UPC,
                "artists": ["band"],
                "release_at": instant.isoformat(),
                "tracks": [{"name": "One", "isrc": "USLP12000001"}],
            }
        )
    ids = admin.catalog([{"key": "band", "name": "The Band"}], albums)
    app = spotify_app(admin, workspace, limit=limit, window_s=window_s, budget=budget)
    artist = Artist.objects.create(
        workspace=workspace,
        name="The Band",
        slug=f"the-band-{workspace.pk}",
    )
    spotify_artist = str(ids["artists"][0]["ids"]["spotify"])
    platform_ids.write_artist_ids(artist, {"spotify": (spotify_artist, "")})
    release = Release.objects.create(
        artist=artist,
        title="Loop LP",
        slug="loop-lp",
        upc=UPC,
        release_mode=ReleaseMode.GLOBAL,
        release_date=instant.date(),
        release_time=instant.time(),
        release_time_zone="UTC",
        published=False,
    )
    found = Scenario(workspace, artist, release, app, ids)
    add_fans(admin, found, fans, scopes=scopes, follow=follow)
    if publish:
        publish_release(release)  # as the dashboard does: schedules delivery
    return found


def add_fans(
    admin: AdminClient,
    found: Scenario,
    count: int,
    *,
    scopes: str = READ_SCOPES,
    follow: bool = True,
    prefix: str = "fan",
    country: str = "DE",
    presave: bool = True,
    forever: bool = False,
) -> list[Fan]:
    start = len(found.fans)
    user_ids = [f"{prefix}{start + i}" for i in range(count)]
    admin.users([{"platform": "spotify", "id": u, "country": country} for u in user_ids])
    tokens = admin.tokens(
        [
            {"platform": "spotify", "user_id": u, "client_id": SPOTIFY_ID, "scopes": scopes}
            for u in user_ids
        ]
    )
    now = timezone.now()
    new_fans = Fan.objects.bulk_create(
        [Fan(workspace=found.workspace, display_name=u, country=country) for u in user_ids]
    )
    connections = PlatformConnection.objects.bulk_create(
        [
            PlatformConnection(
                fan=fan,
                app=found.app,
                platform="spotify",
                platform_user_id=u,
                country=country,
                scopes=token["scope"],
                access_token=token["access_token"],
                refresh_token=token["refresh_token"],
                token_expires_at=now + dt.timedelta(seconds=int(token["expires_in"])),
            )
            for fan, u, token in zip(new_fans, user_ids, tokens, strict=True)
        ]
    )
    if presave:
        PreSave.objects.bulk_create(
            [
                PreSave(
                    release=found.release,
                    fan=fan,
                    platform="spotify",
                    connection=c,
                    country=country,
                )
                for fan, c in zip(new_fans, connections, strict=True)
            ]
        )
    kinds = [
        k for k, on in ((ConsentKind.FOLLOW, follow), (ConsentKind.FOREVER_SAVE, forever)) if on
    ]
    Consent.objects.bulk_create(
        [
            Consent(
                fan=fan,
                kind=kind,
                granted=True,
                artist=found.artist,
                wording_version="t1",
                wording=f"{kind.label}: The Band",
            )
            for fan in new_fans
            for kind in kinds
        ]
    )
    found.fans.extend(new_fans)
    found.users.update({fan.pk: u for fan, u in zip(new_fans, user_ids, strict=True)})
    return new_fans


def wait_for(check: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
