"""The list shows each app's mode and its users against the cap, with a bar and a warning
when an app is near or at its cap; the platform summary says when fans get email instead."""

from __future__ import annotations

from django.test import Client

from fanloop.accounts.models import Workspace

from .app_factories import SPOTIFY_ID_2, connect_fans, deezer_app, spotify_app


def _page(client: Client, workspace: Workspace) -> str:
    response = client.get(f"/w/{workspace.slug}/platforms/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_users_against_the_cap(viewer_client, workspace):
    app = spotify_app(workspace)
    connect_fans(app, 3)
    html = _page(viewer_client, workspace)
    assert "3 / 5 users" in html
    assert "Development mode" in html
    assert 'aria-valuenow="3"' in html and 'aria-valuemax="5"' in html
    assert "width:60%" in html
    assert "Almost full" not in html and "This app is full" not in html


def test_it_warns_near_the_cap(viewer_client, workspace):
    connect_fans(spotify_app(workspace), 4)
    html = _page(viewer_client, workspace)
    assert "Almost full: 1 slot left." in html
    assert (
        "Development-mode apps allow 5 users; fans beyond that will be offered an email "
        "reminder instead." in html
    )
    assert 'class="quota near"' in html


def test_it_warns_at_the_cap(viewer_client, workspace):
    connect_fans(spotify_app(workspace), 5)
    html = _page(viewer_client, workspace)
    assert "5 / 5 users" in html
    assert "This app is full." in html
    assert 'class="quota full"' in html
    assert "Full: fans get an email reminder instead" in html


def test_it_does_not_call_the_platform_full_while_another_app_has_room(viewer_client, workspace):
    connect_fans(spotify_app(workspace), 5)
    spotify_app(workspace, name="Second", client_id=SPOTIFY_ID_2)
    html = _page(viewer_client, workspace)
    assert "This app is full." in html
    assert "Full: fans get an email reminder instead" not in html
    assert "5 / 10" in html


def test_it_shows_uncapped_apps_without_a_bar(viewer_client, workspace):
    connect_fans(spotify_app(workspace, mode="extended"), 2)
    deezer_app(workspace)
    html = _page(viewer_client, workspace)
    assert "Extended mode" in html
    assert "2 fans connected" in html
    assert 'role="progressbar"' not in html


def test_it_shows_an_empty_state(owner_client, viewer_client, workspace):
    html = _page(owner_client, workspace)
    assert "No platform apps yet." in html
    assert f"/w/{workspace.slug}/platforms/new/spotify/" in html
    assert "Not set up" in html
    assert "Ask an owner of this workspace to add one." in _page(viewer_client, workspace)


def test_it_paginates(owner_client, workspace):
    for n in range(27):
        spotify_app(workspace, name=f"App {n:02}", client_id=f"{n:032x}")
    html = _page(owner_client, workspace)
    assert html.count('<article class="card app') == 25
    assert "Page 1 of 2" in html
    second = owner_client.get(f"/w/{workspace.slug}/platforms/?page=2").content.decode()
    assert second.count('<article class="card app') == 2
