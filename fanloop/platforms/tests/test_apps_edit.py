"""Owners edit an app: empty secrets keep the stored ones, new ones replace them, changed
credentials forget the last check, and a client id fans depend on cannot change."""

from __future__ import annotations

from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.platforms.models import PlatformApp

from .app_factories import (
    APPLE_KEY,
    APPLE_TEAM,
    SPOTIFY_ID,
    SPOTIFY_ID_2,
    SPOTIFY_SECRET,
    apple_app,
    connect_fans,
    p256_key,
    spotify_app,
)


def _url(app: PlatformApp) -> str:
    return f"/w/{app.workspace.slug}/platforms/{app.pk}/edit/"


def _spotify_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Main",
        "client_id": SPOTIFY_ID,
        "client_secret": "",
        "mode": "development",
        "user_cap": "5",
        "budget_per_30s": "",
        **changes,
    }


def test_it_shows_the_form_filled_in_without_the_secret(owner_client, workspace):
    app = spotify_app(workspace)
    response = owner_client.get(_url(app))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{SPOTIFY_ID}"' in html
    assert "stored encrypted — leave empty to keep" in html
    assert SPOTIFY_SECRET not in html


def test_it_keeps_the_secret_when_left_empty(owner_client, workspace):
    app = spotify_app(workspace)
    response = owner_client.post(_url(app), _spotify_form(name="Renamed"))
    assert response.status_code == 302
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.name, app.client_secret) == ("Renamed", SPOTIFY_SECRET)


def test_it_replaces_the_secret_and_forgets_the_last_check(owner_client, workspace):
    app = spotify_app(workspace)
    PlatformApp.objects.filter(pk=app.pk).update(
        last_check_ok=True, last_check_message="fine", last_checked=timezone.now()
    )
    owner_client.post(_url(app), _spotify_form(client_secret="a-brand-new-secret"))
    app = PlatformApp.objects.get(pk=app.pk)
    assert app.client_secret == "a-brand-new-secret"
    assert (app.last_check_ok, app.last_check_message, app.last_checked) == (None, "", None)


def test_it_keeps_the_last_check_when_only_the_name_changes(owner_client, workspace):
    app = spotify_app(workspace)
    PlatformApp.objects.filter(pk=app.pk).update(last_check_ok=True, last_checked=timezone.now())
    owner_client.post(_url(app), _spotify_form(name="Other"))
    assert PlatformApp.objects.get(pk=app.pk).last_check_ok is True


def test_it_moves_an_app_to_extended_mode(owner_client, workspace):
    app = spotify_app(workspace)
    owner_client.post(_url(app), _spotify_form(mode="extended"))
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.mode, app.user_cap) == ("extended", None)


def test_it_moves_an_app_back_to_development_with_the_default_cap(owner_client, workspace):
    app = spotify_app(workspace, mode="extended")
    assert app.user_cap is None
    owner_client.post(_url(app), _spotify_form(mode="development", user_cap=""))
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.mode, app.user_cap) == ("development", 5)


def test_it_changes_the_client_id_while_nobody_is_connected(owner_client, workspace):
    app = spotify_app(workspace)
    owner_client.post(_url(app), _spotify_form(client_id=SPOTIFY_ID_2))
    assert PlatformApp.objects.get(pk=app.pk).client_id == SPOTIFY_ID_2


def test_it_refuses_to_change_a_client_id_fans_depend_on(owner_client, workspace):
    app = spotify_app(workspace)
    connect_fans(app, 2)
    response = owner_client.post(
        _url(app),
        _spotify_form(client_id=SPOTIFY_ID_2, name="Changed", client_secret="new-secret-1"),
    )
    assert response.status_code == 400
    assert "2 fan connections belong to the current client id" in response.content.decode()
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.client_id, app.name, app.client_secret) == (SPOTIFY_ID, "Main", SPOTIFY_SECRET)


def test_it_rotates_an_apple_key(owner_client, workspace):
    app = apple_app(workspace)
    key = p256_key()
    response = owner_client.post(
        _url(app), {"name": "", "team_id": APPLE_TEAM, "key_id": "NEWKEY0001", "private_key": key}
    )
    assert response.status_code == 302
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.key_id, app.client_id, app.private_key) == ("NEWKEY0001", "NEWKEY0001", key)


def test_it_keeps_the_apple_key_when_left_empty(owner_client, workspace):
    key = p256_key()
    app = apple_app(workspace, private_key=key)
    owner_client.post(_url(app), {"name": "Apple", "team_id": APPLE_TEAM, "key_id": APPLE_KEY})
    app = PlatformApp.objects.get(pk=app.pk)
    assert (app.name, app.private_key) == ("Apple", key)


def test_it_does_not_edit_another_workspaces_app(owner_client, workspace, outsider):
    app = spotify_app(Workspace.objects.get(name="Mallory Records"))
    url = f"/w/{workspace.slug}/platforms/{app.pk}/edit/"
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, _spotify_form(name="Hijacked")).status_code == 404
    assert PlatformApp.objects.get(pk=app.pk).name == "Main"
