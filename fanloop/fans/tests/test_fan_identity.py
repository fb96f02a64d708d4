"""One fan per workspace and person: the same platform user twice is one fan, the platform's
email matches a fan across platforms, and a reconnect refreshes the stored authorization."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fanloop.fans.identity import upsert_fan_for_connection
from fanloop.fans.models import ConnectionStatus, Fan, PlatformConnection
from fanloop.fans.oauth_tokens import mark_needs_reconnect
from fanloop.platforms.base import Profile, Tokens

from .conftest import connect, make_app


def test_it_keeps_one_fan_for_the_same_platform_user(spotify_app):
    first, c1 = connect(spotify_app, "fan1", access="AT-1", refresh="RT-1")
    second, c2 = connect(spotify_app, "fan1", access="AT-2", refresh="RT-2")
    assert first.pk == second.pk and c1.pk == c2.pk
    assert Fan.objects.count() == 1 and PlatformConnection.objects.count() == 1
    stored = PlatformConnection.objects.get()
    assert (stored.access_token, stored.refresh_token) == ("AT-2", "RT-2")


def test_it_makes_two_fans_of_two_platform_users(spotify_app):
    connect(spotify_app, "fan1")
    connect(spotify_app, "fan2")
    assert Fan.objects.count() == 2


def test_it_matches_the_platform_email_across_platforms(spotify_app, deezer_app):
    on_spotify, _ = connect(spotify_app, "sp-1", email="Fan@Example.org")
    on_deezer, connection = connect(deezer_app, "dz-1", email="fan@example.org", refresh=None)
    assert on_spotify.pk == on_deezer.pk
    assert Fan.objects.get().email == "fan@example.org"
    assert {c.platform for c in PlatformConnection.objects.all()} == {"spotify", "deezer"}
    assert connection.refresh_token == ""


def test_it_merges_two_fans_the_platform_email_proves_are_one(spotify_app, deezer_app):
    dz_fan, _ = connect(deezer_app, "dz-1", email="fan@example.org")
    sp_fan, _ = connect(spotify_app, "sp-1")  # no email (development mode strips it)
    assert dz_fan.pk != sp_fan.pk
    merged, _ = connect(spotify_app, "sp-1", email="fan@example.org")
    assert merged.pk == dz_fan.pk
    assert Fan.objects.count() == 1
    assert PlatformConnection.objects.filter(fan=merged).count() == 2


def test_it_attaches_apple_music_to_the_fan_this_browser_is(spotify_app, apple_app):
    fan, _ = connect(spotify_app, "sp-1")
    again, connection = connect(apple_app, None, refresh=None, fan=fan)
    assert again.pk == fan.pk
    assert connection.platform_user_id is None


def test_it_reactivates_a_connection_and_restarts_its_authorization_clock(spotify_app):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        _, connection = connect(spotify_app, "fan1")
    mark_needs_reconnect(connection, "invalid_grant")
    with time_machine.travel(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), tick=False):
        _, again = connect(spotify_app, "fan1", access="AT-new", refresh="RT-new")
    again.refresh_from_db()
    assert again.status == ConnectionStatus.ACTIVE and again.status_reason == ""
    assert again.authorized_at == dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert again.refresh_token == "RT-new"


def test_it_keeps_fans_of_two_workspaces_apart(spotify_app, other_workspace):
    other_app = make_app(other_workspace, "spotify")
    mine, _ = connect(spotify_app, "fan1", email="fan@example.org")
    theirs, _ = connect(other_app, "fan1", email="fan@example.org")
    assert mine.pk != theirs.pk
    assert mine.workspace_id != theirs.workspace_id


def test_it_refuses_an_app_of_another_workspace(workspace, other_workspace):
    other_app = make_app(other_workspace, "spotify")
    with pytest.raises(ValueError):
        upsert_fan_for_connection(workspace, other_app, Profile("x"), Tokens("AT"))
    assert not Fan.objects.exists()
