"""The Music-User-Token post: checked with Apple (the emulator), then one connection and one
pre-save; a bad, replayed or foreign state, a missing CSRF token or a bad token write nothing."""

from __future__ import annotations

import json

import pytest
from django.core import signing
from django.db import connection as db
from django.test import Client

from fanloop.campaigns import connect
from fanloop.campaigns.apple import STATE_SALT
from fanloop.catalog.models import Release
from fanloop.fans.consents import render
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.flows.grants import has_capability
from fanloop.platforms.base import Capability

from .capture_helpers import (
    apple_app,
    fresh_rate_limits,  # noqa: F401 - autouse fixture
    music_user_token,
    open_connect_page,
)

TOKEN_URL = "/connect/applemusic/token"


@pytest.fixture
def apple(admin, platform_settings, release: Release):
    return apple_app(admin, release.artist.workspace, mode="extended", user_cap=None)


def _nothing_written() -> None:
    assert (Fan.objects.count(), PlatformConnection.objects.count(), PreSave.objects.count()) == (
        0,
        0,
        0,
    )


def test_it_records_the_connection_and_the_presave(admin, apple, release: Release) -> None:
    client = Client(enforce_csrf_checks=True)
    state, csrf = open_connect_page(client, release.pk)
    data = {"state": state, "music_user_token": music_user_token(admin, country="GB")}
    response = client.post(TOKEN_URL, data, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["next"].startswith("/nova-lights/midnight-signal")
    connection = PlatformConnection.objects.get()
    assert (connection.platform, connection.country, connection.platform_user_id) == (
        "applemusic",
        "GB",
        None,
    )
    presave = PreSave.objects.get()
    assert (presave.platform, presave.release, presave.connection) == (
        "applemusic",
        release,
        connection,
    )
    # The token is stored encrypted, never in plain text.
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token FROM fans_platformconnection WHERE id = %s", [connection.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw.startswith("fernet:") and data["music_user_token"] not in raw


def test_a_ticked_verify_box_records_the_verify_consent(admin, apple, release: Release) -> None:
    """A Music-User-Token reads the library too: the ticked box is carried through."""
    client = Client()
    state, _csrf = open_connect_page(client, release.pk, verify="1")
    data = {"state": state, "music_user_token": music_user_token(admin)}
    assert client.post(TOKEN_URL, data).status_code == 200
    consent = Consent.objects.get()
    version, wording = render(ConsentKind.VERIFY, release.artist.name)
    assert (consent.kind, consent.granted, consent.fan) == (
        ConsentKind.VERIFY,
        True,
        PreSave.objects.get().fan,
    )
    assert (consent.wording_version, consent.wording) == (version, wording)
    assert has_capability(PlatformConnection.objects.get(), Capability.VERIFY)


def test_an_unticked_verify_box_records_no_consent(admin, apple, release: Release) -> None:
    client = Client()
    state, _csrf = open_connect_page(client, release.pk)
    data = {"state": state, "music_user_token": music_user_token(admin)}
    assert client.post(TOKEN_URL, data).status_code == 200
    assert PreSave.objects.count() == 1 and not Consent.objects.exists()


def test_a_refused_token_records_no_consent(admin, apple, release: Release) -> None:
    client = Client()
    state, _csrf = open_connect_page(client, release.pk, verify="1")
    data = {"state": state, "music_user_token": "not-a-token"}
    assert client.post(TOKEN_URL, data).status_code == 400
    _nothing_written()
    assert not Consent.objects.exists()


def test_it_keeps_one_fan_when_the_same_browser_reconnects(admin, apple, release) -> None:
    client = Client()
    for _ in range(2):
        state, _csrf = open_connect_page(client, release.pk)
        token = music_user_token(admin)
        assert (
            client.post(TOKEN_URL, {"state": state, "music_user_token": token}).status_code == 200
        )
    assert Fan.objects.count() == 1 and PreSave.objects.count() == 1


def test_it_refuses_a_post_without_csrf(admin, apple, release) -> None:
    client = Client(enforce_csrf_checks=True)
    state, _csrf = open_connect_page(client, release.pk)
    data = {"state": state, "music_user_token": music_user_token(admin)}
    assert client.post(TOKEN_URL, data).status_code == 403
    _nothing_written()


def test_it_refuses_a_tampered_state(admin, apple, release) -> None:
    client = Client()
    state, _ = open_connect_page(client, release.pk)
    data = {"state": state[:-2] + "xx", "music_user_token": music_user_token(admin)}
    response = client.post(TOKEN_URL, data)
    assert response.status_code == 400
    assert "could not be verified" in json.loads(response.content)["error"]
    _nothing_written()


def test_it_refuses_a_replayed_state(admin, apple, release) -> None:
    client = Client()
    state, _ = open_connect_page(client, release.pk)
    token = music_user_token(admin)
    assert client.post(TOKEN_URL, {"state": state, "music_user_token": token}).status_code == 200
    again = client.post(TOKEN_URL, {"state": state, "music_user_token": token})
    assert again.status_code == 400
    assert "already completed" in json.loads(again.content)["error"]
    assert PreSave.objects.count() == 1


def test_it_refuses_a_state_from_another_browser(admin, apple, release) -> None:
    state, _ = open_connect_page(Client(), release.pk)
    data = {"state": state, "music_user_token": music_user_token(admin)}
    assert Client().post(TOKEN_URL, data).status_code == 400
    _nothing_written()


def test_it_refuses_an_expired_state(
    admin, apple, release, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    open_connect_page(client, release.pk)
    monkeypatch.setattr(connect, "OAUTH_STATE_TTL_SECONDS", -1)
    state = signing.dumps({"n": "x", "r": release.pk}, salt=STATE_SALT)
    response = client.post(TOKEN_URL, {"state": state, "music_user_token": "t"})
    assert response.status_code == 400
    assert "took too long" in json.loads(response.content)["error"]
    _nothing_written()


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 5000, "tok\u00e9n"])
def test_it_refuses_a_bad_music_user_token(admin, apple, release, token: str) -> None:
    client = Client()
    state, _ = open_connect_page(client, release.pk)
    response = client.post(TOKEN_URL, {"state": state, "music_user_token": token})
    assert response.status_code == 400
    assert json.loads(response.content)["error"]
    _nothing_written()


def test_it_sends_fans_to_notify_me_without_an_apple_app(release: Release) -> None:
    response = Client().get(f"/connect/applemusic?release={release.pk}")
    assert response.status_code == 302
    assert response["Location"] == (
        "/nova-lights/midnight-signal/notify?reason=unavailable&platform=applemusic"
    )


def test_it_is_404_for_an_unknown_release(db) -> None:
    assert Client().get("/connect/applemusic?release=999").status_code == 404
    assert Client().get("/connect/applemusic?release=abc").status_code == 404
