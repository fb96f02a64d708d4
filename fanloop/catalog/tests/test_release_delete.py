"""Deleting a release asks first, then removes it, its tracks and its artwork."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse

from fanloop.catalog.models import Release, Track
from fanloop.catalog.services import update_release
from fanloop.catalog.tests.conftest import upload


def _url(release: Release) -> str:
    return reverse(
        "catalog:release_delete", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )


def test_it_asks_for_confirmation(editor_client, release):
    response = editor_client.get(_url(release))
    assert response.status_code == 200
    assert "Delete “First Light”?" in response.content.decode()
    assert Release.objects.exists()


def test_it_deletes_the_release_tracks_and_artwork(
    editor_client, release, django_capture_on_commit_callbacks
):
    update_release(release, {"artwork": upload()})
    artwork = release.artwork.name
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(_url(release))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "catalog:dashboard", kwargs={"ws": release.artist.workspace.slug}
    )
    assert not Release.objects.exists() and not Track.objects.exists()
    assert not default_storage.exists(artwork)
