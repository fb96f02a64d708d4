"""Every state-changing platform-app endpoint requires the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.platforms.models import PlatformApp

from .app_factories import SPOTIFY_ID, SPOTIFY_SECRET, spotify_app


@pytest.mark.parametrize(
    "path", ["new/deezer/", "{pk}/edit/", "{pk}/check/", "{pk}/deactivate/", "{pk}/delete/"]
)
def test_it_refuses_posts_without_the_token(owner, workspace, path):
    app = spotify_app(workspace)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = f"/w/{workspace.slug}/platforms/" + path.format(pk=app.pk)
    data = {"client_id": SPOTIFY_ID, "client_secret": "z" * 32, "name": "Forged"}
    assert client.post(url, data).status_code == 403
    fresh = PlatformApp.objects.get(pk=app.pk)
    assert (fresh.name, fresh.active, fresh.client_secret) == ("Main", True, SPOTIFY_SECRET)
    assert fresh.last_checked is None
    assert PlatformApp.objects.count() == 1


def test_it_puts_the_token_in_every_form(owner_client, workspace):
    app = spotify_app(workspace)
    for url in (
        f"/w/{workspace.slug}/platforms/",
        f"/w/{workspace.slug}/platforms/{app.pk}/edit/",
        f"/w/{workspace.slug}/platforms/{app.pk}/delete/",
    ):
        html = owner_client.get(url).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"')
