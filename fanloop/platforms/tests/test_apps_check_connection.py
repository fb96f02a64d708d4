""" "Test connection" asks the real emulator whether the stored credentials work, per platform:
good credentials pass; a wrong secret or key fails with a clear message (and no secret in it).
The result is stored on the app and shown in the list."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

from .app_factories import apple_app, deezer_app, p256_key, spotify_app


def _check(client: Client, app: PlatformApp) -> Any:
    return client.post(f"/w/{app.workspace.slug}/platforms/{app.pk}/check/", follow=True)


def test_it_passes_good_spotify_credentials(owner_client, workspace, emulated_apps):
    app = spotify_app(workspace)
    response = _check(owner_client, app)
    html = response.content.decode()
    assert "Connection check of “Main” passed" in html
    assert "Spotify accepted the client id and secret (development mode)." in html
    app = PlatformApp.objects.get(pk=app.pk)
    assert app.last_check_ok is True
    assert app.last_checked is not None
    assert response.redirect_chain[-1][0].endswith(f"/platforms/#app-{app.pk}")


def test_it_names_a_wrong_spotify_secret(owner_client, workspace, emulated_apps):
    app = spotify_app(workspace, client_secret="not-the-right-secret")
    html = _check(owner_client, app).content.decode()
    assert "Connection check of “Main” failed" in html
    assert "client secret" in html
    assert "not-the-right-secret" not in html
    app = PlatformApp.objects.get(pk=app.pk)
    assert app.last_check_ok is False
    assert "client secret" in app.last_check_message


def test_it_names_an_unknown_spotify_client_id(workspace, emulated_apps):
    app = spotify_app(workspace, client_id="f" * 32)
    check = services.check_connection(app)
    assert not check.ok
    assert "does not know this client id" in check.message


def test_it_passes_a_good_deezer_app(editor_client, workspace, emulated_apps):
    app = deezer_app(workspace)
    html = _check(editor_client, app).content.decode()
    assert "passed" in html
    assert PlatformApp.objects.get(pk=app.pk).last_check_ok is True


def test_it_names_a_wrong_deezer_secret(workspace, emulated_apps):
    app = deezer_app(workspace, client_secret="wrong-deezer-secret")
    check = services.check_connection(app)
    assert not check.ok
    assert "Deezer refused the app id or secret" in check.message
    assert "wrong-deezer-secret" not in check.message


def test_it_passes_the_apple_key_the_emulator_knows(workspace, emulated_apps):
    app = apple_app(workspace, private_key=emulated_apps["apple_private_key"])
    check = services.check_connection(app)
    assert check.ok, check.message
    assert check.message == "Apple Music accepted the developer token."


def test_it_names_an_apple_key_that_does_not_match(workspace, emulated_apps):
    app = apple_app(workspace, private_key=p256_key())
    check = services.check_connection(app)
    assert not check.ok
    assert "Apple Music refused the developer token" in check.message


def test_it_reports_an_unreachable_platform(workspace, settings):
    settings.SPOTIFY_ACCOUNTS_URL = "http://127.0.0.1:9/accounts"
    app = spotify_app(workspace)
    check = services.check_connection(app)
    assert not check.ok
    assert "could not be reached" in check.message
    assert PlatformApp.objects.get(pk=app.pk).last_check_ok is False


def test_it_shows_the_last_result_in_the_list(owner_client, workspace, emulated_apps):
    app = spotify_app(workspace, client_secret="not-the-right-secret")
    services.check_connection(app)
    html = owner_client.get(f"/w/{workspace.slug}/platforms/").content.decode()
    assert 'class="badge failed"' in html
    assert "checked" in html and "ago" in html
