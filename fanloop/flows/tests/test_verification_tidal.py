"""TIDAL fans in the checks: a save and a follow fanloop made through the TIDAL adapter are
read back from the fan's collections (JSON:API over HTTP, cursor pages) at +1 d; an album
the fan removed in their app is missing at +7 d, and the conditions follow the results."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import time_machine
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans import consent_log, identity
from fanloop.fans.models import ConsentKind, Fan, PreSave
from fanloop.flows.conditions import Subject, evaluate
from fanloop.flows.grants import call_with_tokens
from fanloop.flows.verification import verify_due
from fanloop.fulfillment.models import DetectionStatus, ReleasePlatform
from fanloop.platforms import services as platform_services
from fanloop.platforms.base import ItemRef, Profile, Tokens

pytestmark = pytest.mark.django_db
TIDAL_ID, TIDAL_SECRET = "fAkEtIdAlClIeNt1", "tidal-secret-value-0123456789"
FAN_ID = "190000077"


def test_tidal_saves_and_follows_are_read_back(
    admin: AdminClient,
    platform_settings: Any,
    emulator_url: str,
    fan: Fan,
    release: Release,
    workspace: Any,
) -> None:
    platform_settings.PLATFORM_EMULATOR_URL = emulator_url
    seeded = admin.catalog(
        artists=[{"key": "nova", "name": "Nova Lights"}],
        albums=[
            {
                "key": "signal",
                "name": release.title,
                "upc": "00602445790012",
                "artists": ["nova"],
                "release_date": "2020-01-10",
                "tracks": [{"name": "Signal", "isrc": "USLP12000001"}],
            }
        ],
    )
    album_id = seeded["albums"][0]["ids"]["tidal"]
    artist_id = seeded["artists"][0]["ids"]["tidal"]
    ReleasePlatform.objects.create(  # what release-day detection stores
        release=release,
        platform="tidal",
        status=DetectionStatus.LIVE,
        album_id=album_id,
        artist_ids=[artist_id],
    )
    admin.app(platform="tidal", client_id=TIDAL_ID, client_secret=TIDAL_SECRET, redirect_uris=[])
    app = platform_services.create_app(
        workspace, "tidal", client_id=TIDAL_ID, client_secret=TIDAL_SECRET
    )
    admin.user(platform="tidal", id=FAN_ID, country="DE", email=fan.email)
    raw = admin.token(
        platform="tidal",
        user_id=FAN_ID,
        client_id=TIDAL_ID,
        scopes=["collection.read", "collection.write", "user.read"],
    )
    tokens = Tokens(
        access_token=raw["access_token"],
        refresh_token=raw["refresh_token"],
        expires_at=timezone.now() + dt.timedelta(seconds=raw["expires_in"]),
        scopes=frozenset(raw["scope"].split()),
    )
    connection = identity.upsert_fan_for_connection(
        workspace, app, Profile(user_id=FAN_ID, country="DE"), tokens, fan=fan
    ).connection
    PreSave.objects.create(release=release, fan=fan, platform="tidal", connection=connection)
    consent_log.record_consent(fan, ConsentKind.VERIFY, True, page="/p")
    consent_log.record_consent(fan, ConsentKind.FOLLOW, True, page="/p", artist=release.artist)
    items = [ItemRef("album", album_id), ItemRef("artist", artist_id)]
    call_with_tokens(connection, lambda adapter, t: adapter.save(t, items))

    day = release.instant_for_market("DE")
    with time_machine.travel(day + dt.timedelta(days=1, hours=1)):
        report = verify_due()
    assert (report.checked, report.saved, report.follows) == (1, 1, 1)
    verified = FanEvent.objects.get(kind=FanEventKind.SAVE_VERIFIED)
    assert verified.platform == "tidal"
    assert FanEvent.objects.filter(kind=FanEventKind.FOLLOW_VERIFIED, fan=fan).exists()
    subject = Subject(fan, release, release.artist)
    assert evaluate({"check": "has_saved", "negate": False}, subject)[0] is True

    removed = httpx.request(  # the fan removes the album in their TIDAL app
        "DELETE",
        f"{emulator_url}/tidal/v2/userCollectionAlbums/me/relationships/items",
        json={"data": [{"id": album_id, "type": "albums"}]},
        headers={
            "Authorization": f"Bearer {connection.access_token}",
            "Content-Type": "application/vnd.api+json",
        },
    )
    assert removed.status_code == 200, removed.text
    with time_machine.travel(day + dt.timedelta(days=7, hours=1)):
        assert verify_due().missing == 1
    assert evaluate({"check": "has_saved", "negate": False}, subject)[0] is False
