"""Owners manage apps; editors see them and may run the connection check; viewers only see
them. Refused writes answer 403 and change nothing."""

from __future__ import annotations

import pytest

from fanloop.platforms.models import PlatformApp

from .app_factories import SPOTIFY_ID, SPOTIFY_SECRET, spotify_app


def _owner_only(ws: str, pk: int) -> list[tuple[str, str, dict[str, str]]]:
    form = {"client_id": SPOTIFY_ID, "client_secret": "y" * 32, "mode": "development"}
    return [
        ("get", f"/w/{ws}/platforms/new/spotify/", {}),
        ("post", f"/w/{ws}/platforms/new/spotify/", {**form, "client_id": "f" * 32}),
        ("get", f"/w/{ws}/platforms/{pk}/edit/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/edit/", {**form, "name": "Changed"}),
        ("post", f"/w/{ws}/platforms/{pk}/deactivate/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/activate/", {}),
        ("get", f"/w/{ws}/platforms/{pk}/delete/", {}),
        ("post", f"/w/{ws}/platforms/{pk}/delete/", {}),
    ]


def _unchanged(app: PlatformApp) -> None:
    fresh = PlatformApp.objects.get(pk=app.pk)
    assert (fresh.name, fresh.active, fresh.client_secret) == ("Main", True, SPOTIFY_SECRET)
    assert PlatformApp.objects.count() == 1


@pytest.mark.parametrize("persona", ["editor_client", "viewer_client"])
@pytest.mark.parametrize("index", range(8))
def test_it_refuses_writes_below_owner(request, workspace, persona, index):
    client = request.getfixturevalue(persona)
    app = spotify_app(workspace)
    method, url, data = _owner_only(workspace.slug, app.pk)[index]
    assert getattr(client, method)(url, data).status_code == 403
    _unchanged(app)


def test_it_refuses_the_check_to_viewers(viewer_client, workspace):
    app = spotify_app(workspace)
    response = viewer_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/check/")
    assert response.status_code == 403
    assert PlatformApp.objects.get(pk=app.pk).last_checked is None


@pytest.mark.parametrize("persona", ["editor_client", "viewer_client"])
def test_it_shows_the_list_without_owner_controls(request, workspace, persona):
    client = request.getfixturevalue(persona)
    app = spotify_app(workspace)
    response = client.get(f"/w/{workspace.slug}/platforms/")
    html = response.content.decode()
    assert response.status_code == 200
    assert SPOTIFY_ID in html
    assert "Only owners can add or change apps." in html
    assert f"/platforms/{app.pk}/edit/" not in html
    assert f"/platforms/{app.pk}/delete/" not in html
    assert "/platforms/new/" not in html
    assert (f"/platforms/{app.pk}/check/" in html) == (persona == "editor_client")


def test_it_shows_owner_controls_to_owners(owner_client, workspace):
    app = spotify_app(workspace)
    html = owner_client.get(f"/w/{workspace.slug}/platforms/").content.decode()
    for action in ("edit/", "delete/", "deactivate/", "check/"):
        assert f"/platforms/{app.pk}/{action}" in html
    assert "Only owners" not in html


def test_it_refuses_get_on_post_only_actions_to_members(owner_client, workspace):
    app = spotify_app(workspace)
    for action in ("check", "activate", "deactivate"):
        assert (
            owner_client.get(f"/w/{workspace.slug}/platforms/{app.pk}/{action}/").status_code == 405
        )
    _unchanged(app)
