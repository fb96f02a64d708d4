"""An artist or release of workspace B reached through /w/A/… is 404, even for a member of both."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.accounts.models import Role
from fanloop.accounts.services import add_member


@pytest.fixture
def member_of_both(owner, other_workspace):
    add_member(other_workspace, owner, Role.OWNER)
    return owner


@pytest.mark.parametrize("name", ["artist_edit", "artist_delete"])
def test_another_workspaces_artist_is_404(
    owner_client, member_of_both, workspace, other_artist, name
):
    url = reverse(f"catalog:{name}", kwargs={"ws": workspace.slug, "pk": other_artist.pk})
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, {"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "name",
    ["release_detail", "release_edit", "release_publish", "release_unpublish", "release_delete"],
)
def test_another_workspaces_release_is_404(
    owner_client, member_of_both, workspace, other_release, name
):
    url = reverse(f"catalog:{name}", kwargs={"ws": workspace.slug, "pk": other_release.pk})
    assert owner_client.post(url).status_code == 404
    other_release.refresh_from_db()
    assert not other_release.published


def test_unknown_pks_are_404(owner_client, workspace):
    assert owner_client.get(f"/w/{workspace.slug}/releases/999999/").status_code == 404
    assert owner_client.get(f"/w/{workspace.slug}/artists/999999/edit/").status_code == 404
