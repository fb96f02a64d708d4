"""Deleting an app is refused while fans are connected through it (deactivate instead);
deactivated apps take no new fans and can be activated again."""

from __future__ import annotations

import pytest

from fanloop.fans.models import PlatformConnection
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

from .app_factories import connect_fans, spotify_app


def test_it_asks_for_confirmation(owner_client, workspace):
    app = spotify_app(workspace)
    response = owner_client.get(f"/w/{workspace.slug}/platforms/{app.pk}/delete/")
    assert response.status_code == 200
    assert "No fan is connected through it." in response.content.decode()
    assert PlatformApp.objects.filter(pk=app.pk).exists()


def test_it_deletes_an_unused_app(owner_client, workspace):
    app = spotify_app(workspace)
    response = owner_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/delete/", follow=True)
    assert "Spotify app “Main” deleted." in response.content.decode()
    assert not PlatformApp.objects.filter(pk=app.pk).exists()


def test_it_explains_why_an_app_in_use_cannot_go(owner_client, workspace):
    app = spotify_app(workspace)
    connect_fans(app, 2)
    html = owner_client.get(f"/w/{workspace.slug}/platforms/{app.pk}/delete/").content.decode()
    assert "2 fans are connected through this app" in html
    assert f"/platforms/{app.pk}/deactivate/" in html
    assert 'class="danger"' not in html


def test_it_refuses_to_delete_an_app_in_use(owner_client, workspace):
    app = spotify_app(workspace)
    connect_fans(app, 1)
    response = owner_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/delete/", follow=True)
    assert "1 fan is connected through this app" in response.content.decode()
    assert PlatformApp.objects.filter(pk=app.pk).exists()
    assert PlatformConnection.objects.filter(app=app).count() == 1


def test_the_service_refuses_too(workspace):
    app = spotify_app(workspace)
    connect_fans(app, 3)
    with pytest.raises(services.PlatformAppError, match="3 fans are connected"):
        services.delete_app(app)
    assert PlatformApp.objects.filter(pk=app.pk).exists()


def test_it_deactivates_and_activates(owner_client, workspace):
    app = spotify_app(workspace)
    connect_fans(app, 1)
    response = owner_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/deactivate/", follow=True)
    assert "is inactive: it takes no new fans" in response.content.decode()
    assert PlatformApp.objects.get(pk=app.pk).active is False
    assert services.active_app(workspace, "spotify") is None
    owner_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/activate/")
    assert PlatformApp.objects.get(pk=app.pk).active is True
    assert PlatformConnection.objects.filter(app=app).count() == 1
