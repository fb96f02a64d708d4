"""One-click action pages against the emulator over real HTTP: the stored-token path, the
OAuth path for exactly the missing capability, explicit follow consent, and the friendly
pages for bad links and releases not out yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from emulator.testing import AdminClient, answer_consent
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.messaging.action_links import action_token
from fanloop.platforms.models import PlatformApp

from .ui_fixtures import SITE, connect_spotify, register_apps, seed_album

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(admin: AdminClient, platform_settings: Any, workspace: Any) -> dict[str, PlatformApp]:
    platform_settings.SITE_URL = SITE
    return register_apps(admin, workspace)


@pytest.fixture
def ids(admin: AdminClient, release: Release) -> dict[str, str]:
    return seed_album(admin, release)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def page(fan: Fan, release: Release, action: str) -> str:
    return reverse("campaigns:action", args=[action_token(fan.pk, release.pk, action)])  # type: ignore[arg-type]


def library(admin: AdminClient, user_id: str = "fan1") -> dict[str, set[str]]:
    raw = admin.library("spotify", user_id)
    return {"saved": {e["id"] for e in raw["saved"]}, "follows": {e["id"] for e in raw["follows"]}}


def test_get_only_asks_and_changes_nothing(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connect_spotify(admin, fan, apps["spotify"])
    response = client.get(page(fan, release, "save"))
    assert response.status_code == 200
    assert b"Save Midnight Signal to your library" in response.content
    assert response["Cache-Control"] == "private, no-store"
    assert "form-action" in response["Content-Security-Policy"]
    assert library(admin)["saved"] == set()
    assert not FanEvent.objects.filter(kind=FanEventKind.SAVED).exists()


def test_it_saves_with_the_stored_token_and_records_the_event(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connect_spotify(admin, fan, apps["spotify"])
    url = page(fan, release, "save")
    response = client.post(url, {"platform": "spotify"})
    assert response.status_code == 200
    assert b"Saved to your Spotify library" in response.content
    assert b"/nova-lights/midnight-signal/listen/spotify" in response.content
    assert library(admin)["saved"] == {ids["spotify_album"]}
    event = FanEvent.objects.get(kind=FanEventKind.SAVED)
    assert (event.fan, event.release, event.platform) == (fan, release, "spotify")
    assert event.key == f"action:save:{release.pk}:{fan.pk}"
    # Twice: still one event; the page says it was done before.
    client.post(url, {"platform": "spotify"})
    assert FanEvent.objects.filter(kind=FanEventKind.SAVED).count() == 1
    assert b"You already did this" in client.get(url).content


def test_a_follow_needs_the_fans_explicit_tick(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connect_spotify(admin, fan, apps["spotify"])
    url = page(fan, release, "follow")
    shown = client.get(url)
    assert b'type="checkbox" name="agree"' in shown.content
    assert b"checked" not in shown.content.split(b'name="agree"')[1].split(b">")[0]
    refused = client.post(url, {"platform": "spotify"})
    assert refused.status_code == 400
    assert b"Tick the box to follow Nova Lights" in refused.content
    assert library(admin)["follows"] == set()
    assert not Consent.objects.filter(kind=ConsentKind.FOLLOW).exists()

    done = client.post(url, {"platform": "spotify", "agree": "yes"})
    assert done.status_code == 200
    assert b"You follow Nova Lights on Spotify" in done.content
    assert library(admin)["follows"] == {ids["spotify_artist"]}
    consent = Consent.objects.get(kind=ConsentKind.FOLLOW)
    assert consent.granted and consent.artist == release.artist and consent.wording
    # The consent log is on the dashboard: it names the page, not its tokened address.
    assert consent.page == "/a/ (one-click follow page)"
    assert url.split("/")[2] not in consent.page
    event = FanEvent.objects.get(kind=FanEventKind.FOLLOWED)
    assert event.artist == release.artist


def test_without_a_connection_it_asks_for_exactly_the_save_scope_then_saves(
    client: Client,
    admin: AdminClient,
    apps: Any,
    ids: Any,
    fan: Fan,
    release: Release,
    browser: httpx.Client,
) -> None:
    admin.user(platform="spotify", id="fan1", email="fan1@example.org", country="DE")
    url = page(fan, release, "save")
    started = client.post(url, {"platform": "spotify"})
    assert started.status_code == 302
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["scope"] == ["user-library-modify"]
    back = answer_consent(browser, started["Location"], "fan1@example.org")
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    callback = client.get(reverse("campaigns:oauth_callback", args=["spotify"]), answer)
    assert callback.status_code == 302
    assert callback["Location"] == reverse("campaigns:action_done", args=[url.split("/")[2]])
    connection = PlatformConnection.objects.get(fan=fan)
    assert connection.scope_set == {"user-library-modify"}
    assert not PreSave.objects.exists()  # an action is not a pre-save

    finished = client.get(callback["Location"])
    assert finished.status_code == 200
    assert b"Saved to your Spotify library" in finished.content
    assert library(admin)["saved"] == {ids["spotify_album"]}
    assert FanEvent.objects.filter(kind=FanEventKind.SAVED, fan=fan).count() == 1
    # The return address works once: a reload shows the page, it does not act again.
    again = client.get(callback["Location"])
    assert again.status_code == 302 and again["Location"] == url


def test_a_follow_reconnect_keeps_what_the_fan_granted_before(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connect_spotify(admin, fan, apps["spotify"], scopes="user-library-modify user-library-read")
    started = client.post(page(fan, release, "follow"), {"platform": "spotify", "agree": "yes"})
    assert started.status_code == 302
    scopes = set(parse_qs(urlsplit(started["Location"]).query)["scope"][0].split())
    # Reading follows comes with the read access the fan had already granted.
    assert scopes == {
        "user-library-modify",
        "user-library-read",
        "user-follow-modify",
        "user-follow-read",
    }
    # The consent was given on the page before leaving for Spotify.
    assert Consent.objects.filter(kind=ConsentKind.FOLLOW, granted=True).count() == 1


def test_a_revoked_token_sends_the_fan_through_oauth(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connection = connect_spotify(admin, fan, apps["spotify"])
    admin.revoke(platform="spotify", user_id="fan1")
    # An access token still valid for an hour: the platform refuses it now.
    started = client.post(page(fan, release, "save"), {"platform": "spotify"})
    assert started.status_code == 302
    assert "/spotify/accounts/authorize" in started["Location"]
    connection.refresh_from_db()
    assert connection.status == "needs_reconnect"
    assert library(admin)["saved"] == set()


def test_done_without_this_browsers_confirmation_does_nothing(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connect_spotify(admin, fan, apps["spotify"])
    token = action_token(fan.pk, release.pk, "save")
    response = client.get(reverse("campaigns:action_done", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:action", args=[token])
    assert library(admin)["saved"] == set()


def test_a_tampered_link_gets_a_friendly_page(client: Client, fan: Fan, release: Release) -> None:
    token = action_token(fan.pk, release.pk, "save")
    for bad in (token[:-2] + "xx", "nonsense"):
        response = client.get(reverse("campaigns:action", args=[bad]))
        assert response.status_code == 404
        assert b"This link does not work" in response.content
        assert client.post(reverse("campaigns:action", args=[bad])).status_code == 404


def test_an_expired_link_gets_a_friendly_page(client: Client, fan: Fan, release: Release) -> None:
    url = page(fan, release, "save")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=61)):
        response = client.get(url)
    assert response.status_code == 404
    assert b"This link does not work" in response.content


def test_a_link_for_another_workspaces_release_does_not_work(
    client: Client, fan: Fan, release: Release, outsider: Any
) -> None:
    from fanloop.accounts.models import Workspace
    from fanloop.catalog.models import Artist

    other = Workspace.objects.create(name="Other", slug="other")
    artist = Artist.objects.create(workspace=other, name="Other", slug="other-artist")
    foreign = Release.objects.create(
        artist=artist, title="T", slug="t", release_date=release.release_date, published=True
    )
    assert client.get(page(fan, foreign, "save")).status_code == 404


def test_a_release_not_out_yet_gets_a_friendly_page(
    client: Client, admin: AdminClient, apps: Any, fan: Fan, release: Release
) -> None:
    release.release_date = release.release_date + dt.timedelta(days=30)
    release.save()
    platform_ids.write_release_ids(release, {"spotify": "x"})
    connect_spotify(admin, fan, apps["spotify"])
    response = client.post(page(fan, release, "save"), {"platform": "spotify"})
    assert response.status_code == 200
    assert b"Midnight Signal is not out yet" in response.content
    assert not FanEvent.objects.filter(kind=FanEventKind.SAVED).exists()


def test_a_release_unknown_on_every_platform_gets_a_friendly_page(
    client: Client, apps: Any, fan: Fan, release: Release
) -> None:
    response = client.get(page(fan, release, "save"))
    assert response.status_code == 200
    assert b"Not available here yet" in response.content


def test_it_saves_on_deezer_with_the_stored_token(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    from fanloop.fans import identity
    from fanloop.platforms.base import Profile, Tokens

    admin.user(platform="deezer", id="9001", country="FR", email="dz@example.org")
    raw = admin.token(
        platform="deezer",
        user_id="9001",
        client_id=apps["deezer"].client_id,
        perms="basic_access,manage_library,offline_access",
    )
    scopes = frozenset({"basic_access", "manage_library", "offline_access"})
    identity.upsert_fan_for_connection(
        fan.workspace,
        apps["deezer"],
        Profile(user_id="9001"),
        Tokens(access_token=raw["access_token"], scopes=scopes),
        fan=fan,
    )
    response = client.post(page(fan, release, "save"), {"platform": "deezer"})
    assert response.status_code == 200
    assert b"Saved to your Deezer library" in response.content
    saved = {e["id"] for e in admin.library("deezer", "9001")["saved"]}
    assert saved == {ids["deezer_album"]}
    assert FanEvent.objects.get(kind=FanEventKind.SAVED).platform == "deezer"


def test_a_track_link_saves_that_track_and_records_the_fans_own_act(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    from fanloop.analytics.models import Actor
    from fanloop.campaigns.action_pages import event_key
    from fanloop.catalog.models import Track
    from fanloop.fulfillment.models import ReleasePlatform

    seeded = admin.http.get("/catalog").json()
    signal = next(a for a in seeded["albums"] if a["key"] == "signal")
    spotify_track = signal["tracks"][0]["ids"]["spotify"]
    Track.objects.create(release=release, position=1, title="Signal", isrc="USLP12000001")
    ReleasePlatform.objects.create(release=release, platform="spotify", track_ids=[spotify_track])
    connect_spotify(admin, fan, apps["spotify"])
    url = reverse("campaigns:action", args=[action_token(fan.pk, release.pk, "save_track", 1)])
    shown = client.get(url)
    assert b"Save \xe2\x80\x9cSignal\xe2\x80\x9d to your library" in shown.content
    done = client.post(url, {"platform": "spotify"})
    assert done.status_code == 200 and b"Saved to your Spotify library" in done.content
    assert library(admin)["saved"] == {spotify_track}  # the track, not the album
    event = FanEvent.objects.get(kind=FanEventKind.TRACK_SAVED)
    assert (event.actor, event.release, event.key) == (
        Actor.FAN,
        release,
        event_key("save_track", release, fan, 1),
    )
    # A track the release does not have is no page; a save link without a track neither.
    missing = reverse("campaigns:action", args=[action_token(fan.pk, release.pk, "save_track", 9)])
    assert b"Not available here yet" in client.get(missing).content
    bad = reverse("campaigns:action", args=[action_token(fan.pk, release.pk, "save_track")])
    assert client.get(bad).status_code == 404


def test_the_save_page_offers_every_platform_the_fan_has_apple_music_included(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    """Apple Music has no OAuth redirect here, but a fan connected to it can still save."""
    from fanloop.fans import identity
    from fanloop.platforms.base import Profile, Tokens
    from fanloop.platforms.tests.app_factories import apple_app

    platform_ids.write_release_ids(release, {"applemusic": "1440857781"})
    connect_spotify(admin, fan, apps["spotify"])
    identity.upsert_fan_for_connection(
        fan.workspace,
        apple_app(fan.workspace),
        Profile(user_id=None, country="US"),
        Tokens(access_token="music-user-token", scopes=frozenset()),
        fan=fan,
    )
    html = client.get(page(fan, release, "save")).content.decode()
    assert 'value="spotify"' in html and 'value="applemusic"' in html
    assert "Apple Music" in html
    follow = client.get(page(fan, release, "follow")).content.decode()
    assert 'value="applemusic"' not in follow  # Apple Music cannot follow


def test_the_follow_page_offers_only_the_fans_own_connections_that_can_follow(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    """Spotify and Deezer apps are there, but a fan connected to Apple Music only (no follow
    there) is not sent to sign up elsewhere to follow (a fan with no connection at all may
    sign in to follow: see the phone test)."""
    from fanloop.fans import identity
    from fanloop.platforms.base import Profile, Tokens
    from fanloop.platforms.tests.app_factories import apple_app

    url = page(fan, release, "follow")
    nothing = client.get(url).content.decode()
    assert 'value="spotify"' in nothing and 'value="deezer"' in nothing
    identity.upsert_fan_for_connection(
        fan.workspace,
        apple_app(fan.workspace),
        Profile(user_id=None, country="US"),
        Tokens(access_token="music-user-token", scopes=frozenset()),
        fan=fan,
    )
    apple_only = client.get(url).content.decode()
    assert "Nothing to follow from here" in apple_only
    assert "Apple Music has no way to follow an artist" in apple_only
    assert 'name="platform"' not in apple_only and "Follow Nova Lights on my" not in apple_only
    assert 'value="spotify"' not in apple_only and 'value="deezer"' not in apple_only
    posted = client.post(url, {"platform": "spotify", "agree": "yes"})
    assert posted.status_code == 200 and "Nothing to follow from here" in posted.content.decode()
    assert not Consent.objects.exists()
    connect_spotify(admin, fan, apps["spotify"])
    with_spotify = client.get(url).content.decode()
    assert 'value="spotify"' in with_spotify and 'value="deezer"' not in with_spotify


def test_the_save_page_says_why_apple_music_is_not_offered(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    from fanloop.platforms.tests.app_factories import apple_app

    platform_ids.write_release_ids(release, {"applemusic": "1440857781"})
    connect_spotify(admin, fan, apps["spotify"])
    before = client.get(page(fan, release, "save")).content.decode()
    assert "Apple Music" not in before  # the artist has no Apple Music app: nothing to explain
    apple_app(fan.workspace)
    html = client.get(page(fan, release, "save")).content.decode()
    assert 'value="applemusic"' not in html
    assert (
        "Apple Music is not offered here: it signs you in on the artist&#x27;s page only." in html
    )
    follow = client.get(page(fan, release, "follow")).content.decode()
    assert "Apple Music" not in follow


def test_a_fan_connected_to_apple_music_saves_there_through_its_library_api(
    client: Client, admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    from fanloop.campaigns.tests.capture_helpers import apple_app, music_user_token
    from fanloop.fans import identity
    from fanloop.platforms.base import Profile, Tokens

    album_id = ids["apple_album"]
    platform_ids.write_release_ids(release, {"applemusic": album_id})
    app = apple_app(admin, fan.workspace, mode="extended", user_cap=None)
    identity.upsert_fan_for_connection(
        fan.workspace,
        app,
        Profile(user_id=None, country="GB"),
        Tokens(access_token=music_user_token(admin), scopes=frozenset()),
        fan=fan,
    )
    url = page(fan, release, "save")
    assert 'value="applemusic"' in client.get(url).content.decode()
    done = client.post(url, {"platform": "applemusic"})
    assert done.status_code == 200
    assert b"Saved to your Apple Music library" in done.content
    saved = admin.library("apple", "ap1")["saved"]
    assert [entry["id"] for entry in saved] == [album_id]
    event = FanEvent.objects.get(kind=FanEventKind.SAVED)
    assert (event.platform, event.actor) == ("applemusic", "fan")
