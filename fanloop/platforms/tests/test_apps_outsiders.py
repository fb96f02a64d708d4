"""Every platform-app endpoint hides the workspace from outsiders (404) and sends anonymous
visitors to the login page; nothing changes either way."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.platforms.models import PlatformApp

from .app_factories import SPOTIFY_ID, SPOTIFY_SECRET, spotify_app


def _endpoints(ws: str, pk: int) -> list[tuple[str, str, dict[str, str]]]:
    form = {"client_id": SPOTIFY_ID, "client_secret": "x" * 32, "mode": "development"}
    return [
        ("get", f"/w/{ws}/platforms/", {}),
        ("get", f"/w/{ws}/platforms/new/spotify/", {}),
        ("post", f"/w/{ws}/platforms/new/deezer/", {"client_id": "1", "client_secret": "x" * 9}),
        ("get", f"/w/{ws}/platforms/{pk}/edit/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/edit/", {**form, "name": "Owned"}),
        ("post", f"/w/{ws}/platforms/{pk}/check/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/activate/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/deactivate/", {}),
        ("get", f"/w/{ws}/platforms/{pk}/delete/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/delete/", {}),
        ("get", f"/w/{ws}/platforms/{pk}/check/", {}),  # wrong method: still 404 first
    ]


ENDPOINT_COUNT = 11


@pytest.fixture
def targets(workspace):
    app = spotify_app(workspace)
    return app, _endpoints(workspace.slug, app.pk)


def _unchanged(app: PlatformApp) -> None:
    fresh = PlatformApp.objects.get(pk=app.pk)
    assert (fresh.name, fresh.active, fresh.client_secret) == ("Main", True, SPOTIFY_SECRET)
    assert fresh.last_checked is None
    assert PlatformApp.objects.count() == 1


@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_it_refuses_outsiders_with_404(outsider_client, targets, index):
    app, endpoints = targets
    method, url, data = endpoints[index]
    response = getattr(outsider_client, method)(url, data)
    assert response.status_code == 404
    _unchanged(app)


@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_it_sends_anonymous_visitors_to_login(targets, index):
    app, endpoints = targets
    method, url, data = endpoints[index]
    response = getattr(Client(), method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    _unchanged(app)


def test_it_refuses_an_app_of_another_workspace_to_members(owner_client, workspace, outsider):
    """The app id of another workspace under our own slug is 404 too."""
    theirs = spotify_app(outsider.memberships.get().workspace)
    for method, url, data in _endpoints(workspace.slug, theirs.pk)[3:]:
        assert getattr(owner_client, method)(url, data).status_code in (404, 405)
    fresh = PlatformApp.objects.get(pk=theirs.pk)
    assert (fresh.name, fresh.active, fresh.last_checked) == ("Main", True, None)


def test_it_lists_every_endpoint(targets):
    """Guard: a new URL of this app must be added to the list above."""
    from django.urls import resolve

    from fanloop.platforms.urls import urlpatterns

    _, endpoints = targets
    covered = {resolve(url).url_name for _, url, _ in endpoints}
    assert covered == {p.name for p in urlpatterns}
