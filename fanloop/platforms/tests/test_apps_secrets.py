"""Secrets are encrypted at rest (the raw row holds ``fernet:…``, never the plaintext) and
never rendered: not in the list, not in the edit form, not after a failed submission, not in
the admin."""

from __future__ import annotations

import pytest
from django.db import connection

from fanloop.platforms.models import PlatformApp

from .app_factories import (
    APPLE_KEY,
    APPLE_TEAM,
    SPOTIFY_ID,
    SPOTIFY_SECRET,
    apple_app,
    deezer_app,
    p256_key,
    spotify_app,
)


def _raw(app: PlatformApp, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM platforms_platformapp WHERE id = %s", [app.pk])
        return cursor.fetchone()[0]


def _key_body(key: str) -> str:
    return "".join(key.splitlines()[1:-1])


def test_it_encrypts_client_secrets_at_rest(workspace):
    for app, secret in (
        (spotify_app(workspace), SPOTIFY_SECRET),
        (deezer_app(workspace), "deezer-secret-value"),
    ):
        raw = _raw(app, "client_secret")
        assert raw.startswith("fernet:")
        assert secret not in raw
        assert PlatformApp.objects.get(pk=app.pk).client_secret == secret


def test_it_encrypts_the_apple_private_key_at_rest(workspace):
    key = p256_key()
    app = apple_app(workspace, private_key=key)
    raw = _raw(app, "private_key")
    assert raw.startswith("fernet:")
    assert _key_body(key)[:40] not in raw
    assert "PRIVATE KEY" not in raw


def test_it_finds_no_plaintext_anywhere_in_the_table(workspace):
    key = p256_key()
    spotify_app(workspace)
    apple_app(workspace, private_key=key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM platforms_platformapp")
        dump = repr(cursor.fetchall())
    assert SPOTIFY_SECRET not in dump
    assert _key_body(key)[:40] not in dump


@pytest.mark.parametrize("page", ["list", "edit", "delete"])
def test_it_never_renders_secrets(owner_client, workspace, page):
    key = p256_key()
    apps = [spotify_app(workspace), apple_app(workspace, private_key=key)]
    for app in apps:
        url = {
            "list": f"/w/{workspace.slug}/platforms/",
            "edit": f"/w/{workspace.slug}/platforms/{app.pk}/edit/",
            "delete": f"/w/{workspace.slug}/platforms/{app.pk}/delete/",
        }[page]
        html = owner_client.get(url).content.decode()
        assert SPOTIFY_SECRET not in html
        assert _key_body(key)[:40] not in html
        assert "fernet:" not in html


def test_it_does_not_send_typed_secrets_back_after_an_error(owner_client, workspace):
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/spotify/",
        {"client_id": "not-hex", "client_secret": SPOTIFY_SECRET, "mode": "development"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert SPOTIFY_SECRET not in html
    assert "enter it again" in html


def test_it_does_not_send_a_pasted_key_back_after_an_error(owner_client, workspace):
    key = p256_key()
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/applemusic/",
        {"team_id": "bad", "key_id": APPLE_KEY, "private_key": key},
    )
    assert response.status_code == 400
    assert _key_body(key)[:40] not in response.content.decode()


def test_it_keeps_secrets_out_of_the_admin(admin_client, workspace):
    key = p256_key()
    apps = [spotify_app(workspace), apple_app(workspace, private_key=key)]
    pages = ["/admin/platforms/platformapp/"] + [
        f"/admin/platforms/platformapp/{app.pk}/change/" for app in apps
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert SPOTIFY_SECRET not in html
        assert _key_body(key)[:40] not in html
        assert 'name="client_secret"' not in html and 'name="private_key"' not in html
    assert SPOTIFY_ID in admin_client.get(pages[0]).content.decode()
    assert APPLE_TEAM in admin_client.get(pages[2]).content.decode()


def test_it_keeps_secrets_when_the_admin_saves(admin_client, workspace):
    app = spotify_app(workspace)
    response = admin_client.post(
        f"/admin/platforms/platformapp/{app.pk}/change/",
        {
            "workspace": workspace.pk,
            "platform": "spotify",
            "name": "Renamed by an operator",
            "client_id": SPOTIFY_ID,
            "team_id": "",
            "key_id": "",
            "mode": "development",
            "user_cap": "5",
            "budget_per_30s": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.name, app.client_secret) == ("Renamed by an operator", SPOTIFY_SECRET)
