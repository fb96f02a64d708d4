"""Deleting from the portal asks to confirm first; confirmed, it deletes the fan, connections
and tokens, consents and pre-saves: nothing left in the database, and the link is dead."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from fanloop.fans.models import Consent, Fan, PlatformConnection, PreSave

from .conftest import token_of
from .test_no_plaintext_tokens import _rows_containing


def _url(fan: Fan) -> str:
    return reverse("fans:portal_delete", args=[token_of(fan)])


def test_it_asks_to_confirm_first(connected):
    fan, _ = connected
    response = Client().get(_url(fan))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Delete everything?" in page
    assert "1 connected streaming account" in page and "1 pre-save " in page
    assert Fan.objects.exists()


def test_it_deletes_nothing_without_the_confirmation(connected):
    fan, _ = connected
    response = Client().post(_url(fan))
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert Fan.objects.exists() and PlatformConnection.objects.exists()


def test_it_deletes_everything(connected):
    fan, connection = connected
    access, refresh = connection.access_token, connection.refresh_token
    url = _url(fan)
    response = Client().post(url, {"confirm": "yes"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your data is deleted" in page
    # Where to remove fanloop's access at each platform, as each adapter declares it.
    assert 'href="https://www.spotify.com/account/apps/"' in page
    assert 'href="https://www.deezer.com/account/apps"' in page
    assert "Apple Music: on an iPhone or iPad" in page
    for model in (Fan, PlatformConnection, Consent, PreSave):
        assert not model.objects.exists(), model
    assert _rows_containing("fan@example.org") == []
    assert _rows_containing(access) == [] and _rows_containing(refresh) == []
    assert Client().get(url).status_code == 404


def test_it_keeps_other_fans(connected, spotify_app):
    from .conftest import connect

    other, _ = connect(spotify_app, "fan2", email="two@example.org")
    Client().post(_url(connected[0]), {"confirm": "yes"})
    assert list(Fan.objects.all()) == [other]
