"""A TIDAL fan end to end, over real HTTP: the pre-save through TIDAL's OAuth 2.1 + PKCE
(fanloop's start and callback, the emulator's login and consent pages), then at the release
instant the worker finds the album by UPC with an app token, saves it to the fan's TIDAL
collection (JSON:API, Idempotency-Key) and follows the artist; the fan counts in the
release's events like any other pre-saver."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient, answer_consent
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release, ReleaseMode
from fanloop.catalog.services import publish_release
from fanloop.fans.models import PlatformConnection, PreSave
from fanloop.fulfillment.models import Delivery, DeliveryState, ReleasePlatform
from fanloop.platforms import services as app_services

from .engine_helpers import UPC, wait_for

SITE = "http://127.0.0.1:8000"
TIDAL_ID, TIDAL_SECRET = "fAkEtIdAlClIeNt1", "tidal-secret-value-0123456789"
FAN = "190000042"


def test_a_tidal_fan_presaves_and_gets_the_release(
    engine: None,
    admin: AdminClient,
    workspace: Workspace,
    settings: SettingsWrapper,
    emulator_url: str,
) -> None:
    settings.PLATFORM_EMULATOR_URL = emulator_url
    settings.SITE_URL = SITE
    callback = f"{SITE}{reverse('campaigns:oauth_callback', args=['tidal'])}"
    instant = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=8)
    album = {
        "key": "lp",
        "name": "Loop LP",
        "upc": UPC,
        "artists": ["band"],
        "release_at": instant.isoformat(),
        "tracks": [{"name": "One", "isrc": "USLP12000001"}],
    }
    ids = admin.catalog([{"key": "band", "name": "The Band"}], [album])
    admin.app(
        platform="tidal",
        client_id=TIDAL_ID,
        client_secret=TIDAL_SECRET,
        redirect_uris=[callback],
        name="fanloop",
    )
    admin.user(platform="tidal", id=FAN, email="tide@example.org", country="NO")
    app_services.create_app(workspace, "tidal", client_id=TIDAL_ID, client_secret=TIDAL_SECRET)
    artist = Artist.objects.create(workspace=workspace, name="The Band", slug="the-band")
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
    publish_release(release)

    fan_site = Client()
    started = fan_site.get(
        reverse("campaigns:oauth_start", args=["tidal"]),
        {"release": str(release.pk), "follow": "on", "verify": "on"},
    )
    assert started.status_code == 302, started.content
    login = urlsplit(started["Location"])
    assert login.path == "/tidal/login/authorize"
    asked = parse_qs(login.query)
    assert asked["code_challenge_method"] == ["S256"]
    with httpx.Client(timeout=10) as browser:
        back = answer_consent(browser, started["Location"], "tide@example.org")
    assert back.startswith(callback), back
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    done = fan_site.get(reverse("campaigns:oauth_callback", args=["tidal"]), answer)
    assert done.status_code == 302 and done["Location"].endswith("/thanks"), done
    connection = PlatformConnection.objects.get()
    assert (connection.platform, connection.platform_user_id) == ("tidal", FAN)
    assert connection.refresh_token and "collection.write" in connection.scope_set
    presave = PreSave.objects.get()
    assert presave.platform == "tidal" and presave.connection == connection

    wait_for(
        lambda: Delivery.objects.filter(release=release, state=DeliveryState.DELIVERED).exists(),
        what="the TIDAL delivery",
    )
    album_id = str(ids["albums"][0]["ids"]["tidal"])
    state = ReleasePlatform.objects.get(release=release, platform="tidal")
    assert state.album_id == album_id
    library = admin.library("tidal", FAN)
    assert [e["id"] for e in library["saved"]] == [album_id]
    assert [e["catalog_key"] for e in library["follows"]] == ["band"]
    events = FanEvent.objects.filter(release=release, fan=presave.fan)
    kinds = set(events.values_list("kind", flat=True))
    assert {FanEventKind.DELIVERY_SUCCEEDED, FanEventKind.SAVED, FanEventKind.FOLLOWED} <= kinds
