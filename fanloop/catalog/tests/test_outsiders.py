"""Every catalog page of a workspace is 404 for members of other workspaces, login for anonymous."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.catalog.models import Artist, Release

WORKSPACE_PAGES = [
    ("dashboard", None),
    ("artist_list", None),
    ("artist_create", None),
    ("release_create", None),
]
ARTIST_PAGES = [("artist_edit", "artist"), ("artist_delete", "artist")]
RELEASE_PAGES = [
    ("release_detail", "release"),
    ("release_edit", "release"),
    ("release_publish", "release"),
    ("release_unpublish", "release"),
    ("release_delete", "release"),
    ("release_listen_links", "release"),
]
ALL_PAGES = WORKSPACE_PAGES + ARTIST_PAGES + RELEASE_PAGES


def _url(name: str, kind: str | None, release: Release) -> str:
    kwargs: dict[str, str | int] = {"ws": release.artist.workspace.slug}
    if kind == "artist":
        kwargs["pk"] = release.artist.pk
    elif kind == "release":
        kwargs["pk"] = release.pk
    return reverse(f"catalog:{name}", kwargs=kwargs)


@pytest.mark.parametrize(("name", "kind"), ALL_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_404_for_outsiders(outsider_client, release, name, kind, method):
    response = getattr(outsider_client, method)(
        _url(name, kind, release), {"title": "x", "name": "x"}
    )
    assert response.status_code == 404
    assert Release.objects.get().title == "First Light" and Release.objects.get().published is False
    assert Artist.objects.filter(workspace=release.artist.workspace).count() == 1


@pytest.mark.parametrize(("name", "kind"), ALL_PAGES)
def test_it_sends_anonymous_visitors_to_login(release, name, kind):
    response = Client().get(_url(name, kind, release))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_unknown_workspaces_are_404(owner_client, db):
    assert owner_client.get("/w/no-such-workspace/").status_code == 404
