"""Disconnecting a platform from the portal deletes the connection and its tokens (no platform
has a revoke API); the pre-save stays without a connection; nobody else's connection."""

from __future__ import annotations

from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse

from fanloop.fans.models import Fan, PlatformConnection, PreSave

from .conftest import connect, make_app, token_of
from .test_no_plaintext_tokens import _rows_containing


def _url(fan: Fan, pk: int) -> str:
    return reverse("fans:portal_disconnect", args=[token_of(fan), pk])


def test_it_deletes_the_connection_and_its_tokens(connected):
    fan, connection = connected
    response = Client().post(_url(fan, connection.pk))
    assert response.status_code == 302
    assert response["Location"].endswith("?done=disconnected")
    assert not PlatformConnection.objects.exists()
    presave = PreSave.objects.get()
    assert presave.connection is None
    page = Client().get(response["Location"]).content.decode()
    assert "disconnected and its access tokens are deleted" in page


def test_it_leaves_no_encrypted_token_behind(connected):
    fan, connection = connected
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM fans_platformconnection WHERE id = %s",
            [connection.pk],
        )
        ciphertexts = cursor.fetchone()
    assert all(c.startswith("fernet:") for c in ciphertexts)
    Client().post(_url(fan, connection.pk))
    for ciphertext in ciphertexts:
        assert _rows_containing(ciphertext[len("fernet:") :]) == []


def test_it_refuses_another_fans_connection(connected, other_workspace):
    fan, _ = connected
    _, theirs = connect(make_app(other_workspace), "someone")
    response = Client().post(_url(fan, theirs.pk))
    assert response.status_code == 404
    assert PlatformConnection.objects.filter(pk=theirs.pk).exists()


def test_it_only_disconnects_on_post(connected):
    fan, connection = connected
    assert Client().get(_url(fan, connection.pk)).status_code == 405
    assert PlatformConnection.objects.exists()
