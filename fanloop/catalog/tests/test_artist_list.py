"""The artists list: profiles, release counts, actions for editors, empty state, pagination."""

from __future__ import annotations

from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist


def _url(workspace: Workspace) -> str:
    return reverse("catalog:artist_list", kwargs={"ws": workspace.slug})


def test_it_lists_artists_with_profiles_and_counts(editor_client, release):
    content = editor_client.get(_url(release.artist.workspace)).content.decode()
    assert "Alice Band" in content and "/alice-band" in content
    assert "Spotify" in content
    assert "1 release" in content
    assert "/edit/" in content


def test_viewers_get_no_actions(viewer_client, artist):
    content = viewer_client.get(_url(artist.workspace)).content.decode()
    assert "Alice Band" in content
    assert "/edit/" not in content and "Add artist" not in content


def test_empty_state(owner_client, workspace):
    content = owner_client.get(_url(workspace)).content.decode()
    assert "No artists yet." in content and "Add your first artist" in content


def test_it_pages_by_25(owner_client, workspace):
    for n in range(27):
        create_artist(workspace, name=f"Artist {n:02d}")
    content = owner_client.get(_url(workspace) + "?page=2").content.decode()
    assert "Artist 25" in content and "Artist 00" not in content
