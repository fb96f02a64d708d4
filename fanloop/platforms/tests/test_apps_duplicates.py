"""One app per client id (Apple: per key id) in a workspace: a duplicate is refused with a
message naming the existing app, also when two requests race; other workspaces may reuse it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

from .app_factories import SPOTIFY_ID, SPOTIFY_ID_2, apple_app, deezer_app, spotify_app


def test_it_refuses_a_duplicate_spotify_client_id(workspace):
    spotify_app(workspace, name="First")
    with pytest.raises(ValidationError) as caught:
        spotify_app(workspace, name="Second")
    assert caught.value.message_dict["client_id"] == [
        "Another Spotify app of this workspace has this client id (“First”): edit that one instead."
    ]
    assert PlatformApp.objects.count() == 1


def test_it_refuses_a_duplicate_apple_key_id(workspace):
    apple_app(workspace)
    with pytest.raises(ValidationError) as caught:
        apple_app(workspace)
    assert (
        "Another Apple Music app of this workspace has this key id"
        in caught.value.message_dict["key_id"][0]
    )


def test_it_refuses_renaming_into_a_duplicate(workspace):
    spotify_app(workspace, name="First")
    second = spotify_app(workspace, name="Second", client_id=SPOTIFY_ID_2)
    with pytest.raises(ValidationError):
        services.update_app(second, client_id=SPOTIFY_ID)
    assert PlatformApp.objects.get(pk=second.pk).client_id == SPOTIFY_ID_2


def test_it_allows_the_same_id_on_another_platform_or_workspace(workspace, outsider):
    spotify_app(workspace)
    deezer_app(workspace)
    spotify_app(Workspace.objects.get(name="Mallory Records"))
    assert PlatformApp.objects.count() == 3


def test_it_shows_the_duplicate_message_in_the_page(owner_client, workspace):
    spotify_app(workspace, name="First")
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/spotify/",
        {"client_id": SPOTIFY_ID, "client_secret": "another-secret", "mode": "development"},
    )
    assert response.status_code == 400
    assert (
        "Another Spotify app of this workspace has this client id (“First”)"
        in response.content.decode()
    )


def test_it_turns_a_lost_race_into_the_same_message(workspace, monkeypatch):
    """Two owners submit at once: both pass the check, the database keeps one."""
    spotify_app(workspace, name="First")
    monkeypatch.setattr(services, "_check_duplicate", lambda *args: None)
    with pytest.raises(ValidationError) as caught:
        spotify_app(workspace, name="Second")
    assert "Another Spotify app" in caught.value.message_dict["client_id"][0]
    assert PlatformApp.objects.count() == 1
