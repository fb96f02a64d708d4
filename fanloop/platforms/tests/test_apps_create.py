"""Owners add an app per platform from the dashboard: the right fields, sensible defaults
(development mode with a cap of 5 for Spotify; no mode or cap elsewhere), trimmed input."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from fanloop.accounts.models import Workspace
from fanloop.platforms.models import PlatformApp

from .app_factories import APPLE_KEY, APPLE_TEAM, SPOTIFY_ID, SPOTIFY_SECRET, p256_key


def _url(workspace: Workspace, platform: str) -> str:
    return f"/w/{workspace.slug}/platforms/new/{platform}/"


def test_it_shows_the_spotify_form(owner_client, workspace):
    response = owner_client.get(_url(workspace, "spotify"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("client_id", "client_secret", "mode", "user_cap", "budget_per_30s"):
        assert f'name="{name}"' in html
    assert 'name="private_key"' not in html
    assert "Spotify Developer Dashboard" in html


def test_it_creates_a_spotify_app_in_development_mode(owner_client, workspace):
    response = owner_client.post(
        _url(workspace, "spotify"),
        {
            "name": "  Main   app ",
            "client_id": f"  {SPOTIFY_ID} ",
            "client_secret": f" {SPOTIFY_SECRET}\n",
            "mode": "development",
            "user_cap": "",
        },
    )
    app = PlatformApp.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace.slug}/platforms/#app-{app.pk}"
    assert (app.platform, app.name, app.client_id) == ("spotify", "Main app", SPOTIFY_ID)
    assert app.client_secret == SPOTIFY_SECRET
    assert (app.mode, app.user_cap, app.active) == ("development", 5, True)
    assert app.budget_per_30s is None


def test_it_creates_an_extended_spotify_app_without_a_cap(owner_client, workspace):
    owner_client.post(
        _url(workspace, "spotify"),
        {
            "client_id": SPOTIFY_ID,
            "client_secret": SPOTIFY_SECRET,
            "mode": "extended",
            "user_cap": "5",  # the form's untouched development default
            "budget_per_30s": "120",
        },
    )
    app = PlatformApp.objects.get(workspace=workspace)
    assert (app.mode, app.user_cap, app.budget_per_30s) == ("extended", None, 120)


def test_it_keeps_a_cap_the_owner_typed(owner_client, workspace):
    owner_client.post(
        _url(workspace, "spotify"),
        {
            "client_id": SPOTIFY_ID,
            "client_secret": SPOTIFY_SECRET,
            "mode": "extended",
            "user_cap": "25",
        },
    )
    assert PlatformApp.objects.get(workspace=workspace).user_cap == 25


def test_it_creates_a_deezer_app(owner_client, workspace):
    response = owner_client.post(
        _url(workspace, "deezer"), {"client_id": " 555 ", "client_secret": "deezer-secret-value"}
    )
    assert response.status_code == 302
    app = PlatformApp.objects.get(workspace=workspace)
    assert (app.platform, app.client_id, app.client_secret) == (
        "deezer",
        "555",
        "deezer-secret-value",
    )
    assert app.user_cap is None  # Deezer has no development-mode cap


def test_it_creates_an_apple_app_from_a_pasted_key(owner_client, workspace):
    key = p256_key()
    response = owner_client.post(
        _url(workspace, "applemusic"),
        {"team_id": APPLE_TEAM.lower(), "key_id": f" {APPLE_KEY} ", "private_key": key},
    )
    assert response.status_code == 302
    app = PlatformApp.objects.get(workspace=workspace)
    assert (app.team_id, app.key_id) == (APPLE_TEAM, APPLE_KEY)
    assert app.client_id == APPLE_KEY  # the key id names an Apple app
    assert app.private_key == key
    assert app.user_cap is None


def test_it_creates_an_apple_app_from_an_uploaded_p8(owner_client, workspace):
    key = p256_key()
    upload = SimpleUploadedFile("AuthKey_KEY1234567.p8", key.encode())
    response = owner_client.post(
        _url(workspace, "applemusic"),
        {"team_id": APPLE_TEAM, "key_id": APPLE_KEY, "private_key_file": upload},
    )
    assert response.status_code == 302
    assert PlatformApp.objects.get(workspace=workspace).private_key == key


def test_it_refuses_an_unknown_platform(owner_client, workspace):
    assert owner_client.get(_url(workspace, "napster")).status_code == 404
    assert owner_client.post(_url(workspace, "napster"), {"client_id": "x"}).status_code == 404
    assert not PlatformApp.objects.exists()


def test_it_says_what_is_missing(owner_client, workspace):
    response = owner_client.post(_url(workspace, "spotify"), {"mode": "development"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the app&#x27;s client id." in html
    assert "Enter the client secret." in html
    assert not PlatformApp.objects.exists()
