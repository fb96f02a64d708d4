"""The demo's platforms and audience: the emulator seeded with apps, a catalog and fans, the
same apps registered in fanloop, scripted fans pre-saving through the real OAuth flow, and a
crowd of pre-savers of the release-day release stored directly (tokens from the emulator's
admin API, rows through the fans services) so the delivery progress bar has work to show.

The crowd then behaves like an audience does (``crowd_persona``): most fans only pre-save,
one in ten saves two tracks of the release in their app, one in twenty removes the album
from their library (both through the emulator's admin acts, after the release), and four
in five let the artist check their library. The checks read it back and the default
flow's counts show the story: pre-savers whose library has the release are asked which
track is theirs, fans who removed it get the album prompt, and only fans who acted since
the release (and are in the top 30 %) are invited to follow.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from django.db import transaction
from django.utils import timezone

from emulator.testing import AdminClient, answer_consent, http_client
from fanloop.catalog.models import Release, ReleaseMode
from fanloop.fans import consent_log, identity, optin, presaves
from fanloop.ops.seed import DemoData
from fanloop.platforms import services as platform_services
from fanloop.platforms.applemusic import KEY as APPLE_MUSIC
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.deezer import KEY as DEEZER
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.spotify import KEY as SPOTIFY
from fanloop.platforms.tidal import KEY as TIDAL

log = logging.getLogger("fanloop.demo")

SPOTIFY_CLIENT_ID = "f4a100bd3e0c11e4700000000000d3e0"
SPOTIFY_SECRET = "demo-spotify-secret"
DEEZER_APP_ID = "700001"
DEEZER_SECRET = "demo-deezer-secret"
TIDAL_CLIENT_ID = "demotidal0001"
TIDAL_SECRET = "demo-tidal-secret"
APPLE_TEAM_ID = "DEMOTEAM01"
APPLE_KEY_ID = "DEMOKEY001"
# The crowd connects through an extended-quota Spotify app (no 5-user cap), paced at
# CROWD_SPOTIFY_BUDGET calls per 30 s so delivery takes long enough to watch.
CROWD_SPOTIFY_CLIENT_ID = "f4a100bd3e0c11e4700000000000c70d"
# The second workspace's Spotify app: extended quota, so its page offers the connect path.
OPEN_SPOTIFY_CLIENT_ID = "f4a100bd3e0c11e4700000000000d00e"
OPEN_SPOTIFY_SECRET = "demo-spotify-open-secret"
CROWD_SPOTIFY_SECRET = "demo-spotify-crowd-secret"
CROWD_SPOTIFY_BUDGET = 100
CROWD_SPOTIFY_SCOPES = "user-follow-modify user-library-modify user-library-read user-follow-read"
CROWD_DEEZER_PERMS = "basic_access manage_library offline_access"
CROWD_COUNTRIES = ("DE", "US", "FR", "GB", "BR", "JP", "IN", "MX", "AU", "SE", "NG")
CROWD_SOURCES = ("instagram", "tiktok", "newsletter", "youtube", "")
CROWD_CHUNK = 50


@dataclass(frozen=True)
class DemoFan:
    platform: str
    user_id: str
    email: str
    country: str
    utm_source: str


AUDIENCE = [
    DemoFan(SPOTIFY, "ana", "ana@fans.example", "DE", "instagram"),
    DemoFan(SPOTIFY, "ben", "ben@fans.example", "US", "tiktok"),
    DemoFan(SPOTIFY, "chloe", "chloe@fans.example", "FR", "newsletter"),
    DemoFan(SPOTIFY, "dev", "dev@fans.example", "IN", "instagram"),
    DemoFan(DEEZER, "emma", "emma@fans.example", "FR", "tiktok"),
    DemoFan(DEEZER, "felix", "felix@fans.example", "BR", "newsletter"),
    DemoFan(TIDAL, "190000101", "gia@fans.example", "NO", "instagram"),
    DemoFan(TIDAL, "190000102", "hugo@fans.example", "US", "newsletter"),
]
# Fans the person running the demo can log in as at the emulator (any password).
SPARE_FANS = [
    DemoFan(SPOTIFY, "you", "you@fans.example", "GB", ""),
    DemoFan(DEEZER, "you-too", "you-too@fans.example", "GB", ""),
    DemoFan(TIDAL, "190000199", "you-tidal@fans.example", "GB", ""),
    DemoFan("apple", "you-apple", "you-apple@fans.example", "US", ""),
]
# The development-mode app's allow-list, at the emulator and mirrored in fanloop.
SPOTIFY_TESTERS = tuple(f.email for f in [*AUDIENCE, *SPARE_FANS] if f.platform == SPOTIFY)


def seed_platforms(emulator_url: str, site_url: str, data: DemoData) -> None:
    """Register the demo apps, catalog and fans in the emulator, and the apps in fanloop."""
    admin = AdminClient(emulator_url)
    try:
        known = {(a["platform"], a["client_id"]) for a in admin.list_apps()}
        callback = f"{site_url}/connect/{{}}/callback"
        admin.app(
            platform=SPOTIFY,
            client_id=SPOTIFY_CLIENT_ID,
            client_secret=SPOTIFY_SECRET,
            name="fanloop demo",
            redirect_uris=[callback.format(SPOTIFY)],
            mode="development",
            # Development mode serves only allow-listed accounts (five at most): the
            # scripted Spotify fans and the one the person running the demo logs in as.
            users=list(SPOTIFY_TESTERS),
        )
        admin.app(
            platform=SPOTIFY,
            client_id=OPEN_SPOTIFY_CLIENT_ID,
            client_secret=OPEN_SPOTIFY_SECRET,
            name="Open Door",
            redirect_uris=[callback.format(SPOTIFY)],
            mode="extended",
        )
        admin.app(
            platform=DEEZER,
            client_id=DEEZER_APP_ID,
            client_secret=DEEZER_SECRET,
            name="fanloop demo",
            redirect_uris=[callback.format(DEEZER)],
        )
        admin.app(
            platform=TIDAL,
            client_id=TIDAL_CLIENT_ID,
            client_secret=TIDAL_SECRET,
            name="fanloop demo",
            redirect_uris=[callback.format(TIDAL)],
        )
        apple_key = ""
        if ("apple", APPLE_KEY_ID) not in known:
            answer = admin.app(
                platform="apple", client_id=APPLE_KEY_ID, team_id=APPLE_TEAM_ID, key_id=APPLE_KEY_ID
            )
            apple_key = answer.get("private_key", "")
        admin.catalog(
            artists=[{"key": "nova", "name": data.artist.name, "followers": 1200}],
            albums=[
                _album(data.upcoming, "midnight"),
                _album(data.released, "firstlight"),
                _album(data.release_day, "countdown"),
            ],
        )
        admin.users([_emulated_user(fan) for fan in [*AUDIENCE, *SPARE_FANS]])
    finally:
        admin.close()
    _register_fanloop_apps(data, apple_key)


def _emulated_user(fan: DemoFan) -> dict[str, object]:
    return {
        "platform": fan.platform,
        "id": fan.user_id,
        "email": fan.email,
        "name": fan.email.split("@")[0].title(),
        "country": fan.country,
        "premium": True,
    }


def _album(release: Release, key: str) -> dict[str, object]:
    """The release in the emulator's catalog, invisible until the same instant as fanloop's."""
    album: dict[str, object] = {
        "key": key,
        "name": release.title,
        "upc": release.upc,
        "artists": ["nova"],
        "tracks": [{"name": t.title, "isrc": t.isrc} for t in release.tracks.all()],
    }
    if release.release_mode == ReleaseMode.GLOBAL:
        album["release_at"] = release.global_instant().isoformat()
    else:
        album["release_date"] = release.release_date.isoformat()
    return album


@transaction.atomic
def _register_fanloop_apps(data: DemoData, apple_private_key: str) -> None:
    existing = set(
        PlatformApp.objects.filter(workspace=data.workspace).values_list("platform", flat=True)
    )
    if SPOTIFY not in existing:
        platform_services.create_app(
            data.workspace,
            SPOTIFY,
            name="Demo Spotify app",
            client_id=SPOTIFY_CLIENT_ID,
            client_secret=SPOTIFY_SECRET,
            mode="development",
            allowed_emails=list(SPOTIFY_TESTERS),
        )
    if not PlatformApp.objects.filter(workspace=data.open_workspace).exists():
        platform_services.create_app(
            data.open_workspace,
            SPOTIFY,
            name="Open Door Spotify app",
            client_id=OPEN_SPOTIFY_CLIENT_ID,
            client_secret=OPEN_SPOTIFY_SECRET,
            mode="extended",
        )
    if DEEZER not in existing:
        platform_services.create_app(
            data.workspace,
            DEEZER,
            name="Demo Deezer app",
            client_id=DEEZER_APP_ID,
            client_secret=DEEZER_SECRET,
        )
    if TIDAL not in existing:
        platform_services.create_app(
            data.workspace,
            TIDAL,
            name="Demo TIDAL app",
            client_id=TIDAL_CLIENT_ID,
            client_secret=TIDAL_SECRET,
        )
    if APPLE_MUSIC not in existing and apple_private_key:
        platform_services.create_app(
            data.workspace,
            APPLE_MUSIC,
            name="Demo Apple Music key",
            team_id=APPLE_TEAM_ID,
            key_id=APPLE_KEY_ID,
            private_key=apple_private_key,
        )


def presave_as(site_url: str, release_id: int, fan: DemoFan) -> str:
    """One fan's whole pre-save, like their browser would do it; returns where it ended."""
    with http_client(timeout=15) as browser:
        start = browser.get(
            f"{site_url}/connect/{fan.platform}/start",
            params={"release": release_id, "utm_source": fan.utm_source, "utm_medium": "social"},
        )
        if start.status_code != 302:
            return f"start answered {start.status_code}"
        callback = answer_consent(browser, start.headers["location"], fan.email)
        landing = browser.get(callback, follow_redirects=True)
        return str(landing.url)


def run_audience(site_url: str, release_id: int, pause_s: float = 2.0) -> None:
    """Scripted fans pre-save one after another, so the dashboard fills while you watch."""
    for fan in AUDIENCE:
        time.sleep(pause_s)
        try:
            ended = presave_as(site_url, release_id, fan)
        except (httpx.HTTPError, AssertionError) as exc:
            print(f"fanloop demo: {fan.email} could not pre-save: {exc}", flush=True)
            continue
        where = urljoin(site_url, ended).removeprefix(site_url)
        print(f"fanloop demo: {fan.email} pre-saved on {fan.platform} → {where}", flush=True)


# --- the crowd: many pre-savers of the release-day release ----------------------------


def crowd(size: int) -> list[DemoFan]:
    """``size`` scripted fans, two in three on Spotify, the others on Deezer."""
    return [
        DemoFan(
            DEEZER if i % 3 == 2 else SPOTIFY,
            f"crowd-{i:04d}",
            f"crowd{i:04d}@fans.example",
            CROWD_COUNTRIES[i % len(CROWD_COUNTRIES)],
            CROWD_SOURCES[i % len(CROWD_SOURCES)],
        )
        for i in range(size)
    ]


def _token_request(fan: DemoFan) -> dict[str, str]:
    if fan.platform == SPOTIFY:
        return {
            "platform": SPOTIFY,
            "user_id": fan.user_id,
            "client_id": CROWD_SPOTIFY_CLIENT_ID,
            "scopes": CROWD_SPOTIFY_SCOPES,
        }
    return {
        "platform": DEEZER,
        "user_id": fan.user_id,
        "client_id": DEEZER_APP_ID,
        "perms": CROWD_DEEZER_PERMS,
    }


def _tokens(fan: DemoFan, answer: dict[str, Any], now: dt.datetime) -> Tokens:
    if fan.platform == SPOTIFY:
        return Tokens(
            access_token=str(answer["access_token"]),
            refresh_token=str(answer["refresh_token"]),
            expires_at=now + dt.timedelta(seconds=int(answer["expires_in"])),
            scopes=frozenset(str(answer["scope"]).split()),
        )
    expires = int(answer.get("expires") or 0)
    return Tokens(
        access_token=str(answer["access_token"]),
        expires_at=now + dt.timedelta(seconds=expires) if expires else None,
        scopes=frozenset(CROWD_DEEZER_PERMS.split()),
    )


def _crowd_apps(data: DemoData) -> dict[str, PlatformApp]:
    spotify = PlatformApp.objects.filter(
        workspace=data.workspace, platform=SPOTIFY, client_id=CROWD_SPOTIFY_CLIENT_ID
    ).first()
    if spotify is None:
        spotify = platform_services.create_app(
            data.workspace,
            SPOTIFY,
            name="Demo Spotify app (extended quota)",
            client_id=CROWD_SPOTIFY_CLIENT_ID,
            client_secret=CROWD_SPOTIFY_SECRET,
            mode="extended",
            user_cap=None,
            budget_per_30s=CROWD_SPOTIFY_BUDGET,
        )
    deezer = PlatformApp.objects.get(
        workspace=data.workspace, platform=DEEZER, client_id=DEEZER_APP_ID
    )
    return {SPOTIFY: spotify, DEEZER: deezer}


def _store(
    data: DemoData,
    app: PlatformApp,
    fan: DemoFan,
    tokens: Tokens,
    *,
    follow: bool,
    email: bool,
    verify: bool = False,
) -> None:
    """What a pre-save's OAuth callback stores, through the same services; with ``email``,
    the fan also ticked "email me" on the thank-you page (and, as double opt-in would
    have them do, confirmed it: the demo sends no confirmation mail)."""
    release = data.release_day
    profile = Profile(fan.user_id, fan.user_id.title(), fan.country, fan.email)
    connected = identity.upsert_fan_for_connection(data.workspace, app, profile, tokens)
    stored, connection = connected.fan, connected.connection
    presaves.record_presave(
        stored,
        release,
        fan.platform,
        connection=connection,
        attribution=presaves.Attribution(
            utm_source=fan.utm_source, utm_medium="social" if fan.utm_source else ""
        ),
    )
    current = consent_log.current_consents(stored, artist=data.artist)
    if email and not consent_log.consent_is_active(current.get("email")):
        optin.subscribe_email(
            data.workspace,
            fan.email,
            release=release,
            artist=data.artist,
            page=release.public_path,
            fan=stored,
            notify_me=False,
            double_opt_in=False,
        )
    if follow and not consent_log.consent_is_active(current.get("follow")):
        consent_log.record_consent(
            stored, "follow", True, page=release.public_path, artist=data.artist
        )
    if verify and not consent_log.consent_is_active(current.get("verify")):
        consent_log.record_consent(
            stored, "verify", True, page=release.public_path, artist=data.artist
        )


def seed_crowd(emulator_url: str, site_url: str, data: DemoData, size: int) -> dict[str, int]:
    """``size`` fans pre-save the release-day release; returns how many per platform.

    Emulator users and tokens are minted in bulk through the admin API; fanloop's rows go
    through the fans services, as an OAuth callback would store them. Every third fan also
    agreed to follow the artist; three in four agreed to emails (the flows' release-day,
    save and follow emails then reach the demo mailbox). Idempotent: a second run
    refreshes tokens, adds nothing.
    """
    fans = crowd(size)
    admin = AdminClient(emulator_url)
    try:
        admin.app(
            platform=SPOTIFY,
            client_id=CROWD_SPOTIFY_CLIENT_ID,
            client_secret=CROWD_SPOTIFY_SECRET,
            name="fanloop demo (extended quota)",
            redirect_uris=[f"{site_url}/connect/spotify/callback"],
            mode="extended",
            rate_limit={"limit": CROWD_SPOTIFY_BUDGET, "window_s": 30},
        )
        admin.users([_emulated_user(fan) for fan in fans])
        answers = admin.tokens([_token_request(fan) for fan in fans]) if fans else []
    finally:
        admin.close()
    apps = _crowd_apps(data)
    now = timezone.now()
    counts: dict[str, int] = {}
    for start in range(0, len(fans), CROWD_CHUNK):
        with transaction.atomic():
            for i in range(start, min(start + CROWD_CHUNK, len(fans))):
                fan = fans[i]
                tokens = _tokens(fan, answers[i], now)
                _store(
                    data,
                    apps[fan.platform],
                    fan,
                    tokens,
                    follow=i % 3 == 0,
                    email=i % 4 != 3,
                    verify=i % 5 != 4,
                )
                counts[fan.platform] = counts.get(fan.platform, 0) + 1
    return counts


# --- the crowd acting on its own after the release --------------------------------------


def crowd_persona(index: int) -> str:
    """What crowd fan ``index`` does after pre-saving: "tracks" (saves two tracks in their
    app, 10 %), "remover" (removes the album, 5 %) or "presave" (nothing more)."""
    slot = index % 20
    return "tracks" if slot in (0, 1) else "remover" if slot == 2 else "presave"


def crowd_acts(data: DemoData, size: int) -> list[dict[str, str]]:
    """The emulator admin acts of the crowd's track savers and removers."""
    album = "countdown"  # the release-day album's key in the emulator (seed_platforms)
    isrcs = [t.isrc for t in data.release_day.tracks.all() if t.isrc][-2:]
    acts: list[dict[str, str]] = []
    for i, fan in enumerate(crowd(size)):
        base = {"platform": fan.platform, "user_id": fan.user_id}
        if crowd_persona(i) == "tracks":
            acts += [
                {**base, "act": "save", "type": "track", "key": f"{album}:{isrc}"} for isrc in isrcs
            ]
        elif crowd_persona(i) == "remover":
            acts.append({**base, "act": "remove", "type": "album", "key": album})
    return acts


def play_crowd_acts(emulator_url: str, data: DemoData, size: int, timeout_s: float = 900) -> None:
    """Once the release-day release is out and delivered to the crowd, its track savers
    and removers act in their apps (a removal before the delivery would change nothing)."""
    from fanloop.fulfillment.models import Delivery, DeliveryState

    wait = (data.release_day.global_instant() - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait)
    deliveries = Delivery.objects.filter(release=data.release_day)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (
        not deliveries.exists()
        or deliveries.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]).exists()
    ):
        time.sleep(3)
    acts = crowd_acts(data, size)
    if not acts:
        return
    admin = AdminClient(emulator_url)
    try:
        admin.acts(acts)
    except (httpx.HTTPError, RuntimeError) as exc:
        print(f"fanloop demo: the crowd could not act: {exc}", flush=True)
        return
    finally:
        admin.close()
    tracks = sum(crowd_persona(i) == "tracks" for i in range(size))
    removers = sum(crowd_persona(i) == "remover" for i in range(size))
    print(
        f"fanloop demo: {tracks} fans saved tracks of “{data.release_day.title}” in their app, "
        f"{removers} removed it from their library",
        flush=True,
    )
