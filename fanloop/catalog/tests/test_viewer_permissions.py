"""Viewers read everything in their workspace but every write answers 403 and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.catalog.models import Artist, Release
from fanloop.catalog.tests.test_outsiders import ARTIST_PAGES, RELEASE_PAGES, _url

READABLE = ("release_detail", "release_listen_links")
WRITE_PAGES = [
    ("artist_create", None),
    ("release_create", None),
    *ARTIST_PAGES,
    *[(name, kind) for name, kind in RELEASE_PAGES if name not in READABLE],
]
READ_PAGES = [
    ("dashboard", None),
    ("artist_list", None),
    ("release_detail", "release"),
    # Viewers read the listen links; their POST is refused (test_listen_links.py).
    ("release_listen_links", "release"),
]


@pytest.mark.parametrize(("name", "kind"), WRITE_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_writes_to_viewers(viewer_client, release, name, kind, method):
    response = getattr(viewer_client, method)(
        _url(name, kind, release), {"name": "x", "title": "x"}
    )
    assert response.status_code == 403
    assert Release.objects.get().published is False
    assert Artist.objects.count() == 1


@pytest.mark.parametrize(("name", "kind"), READ_PAGES)
def test_it_lets_viewers_read(viewer_client, release, name, kind):
    assert viewer_client.get(_url(name, kind, release)).status_code == 200


def test_viewers_are_not_offered_write_buttons(viewer_client, release):
    content = viewer_client.get(
        reverse("catalog:dashboard", kwargs={"ws": release.artist.workspace.slug})
    ).content.decode()
    assert "New release" not in content
