"""Publishing and unpublishing are POST-only actions for owners and editors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.catalog.models import Release


def _url(name: str, release: Release) -> str:
    return reverse(
        f"catalog:{name}", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )


@pytest.mark.parametrize("client_name", ["owner_client", "editor_client"])
def test_it_publishes_and_unpublishes(request, client_name, release):
    client = request.getfixturevalue(client_name)
    response = client.post(_url("release_publish", release), follow=True)
    release.refresh_from_db()
    assert release.published
    assert "Published: fans can open http://127.0.0.1:8000/alice-band/first-light" in (
        response.content.decode()
    )
    client.post(_url("release_unpublish", release))
    release.refresh_from_db()
    assert not release.published


@pytest.mark.parametrize("name", ["release_publish", "release_unpublish"])
def test_it_refuses_get(owner_client, release, name):
    assert owner_client.get(_url(name, release)).status_code == 405
    release.refresh_from_db()
    assert not release.published
