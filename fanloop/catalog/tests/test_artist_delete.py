"""Deleting an artist asks first, then removes their releases and files."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse

from fanloop.catalog.models import Artist, Release, Track
from fanloop.catalog.services import update_release
from fanloop.catalog.tests.conftest import upload


def _url(artist: Artist) -> str:
    return reverse("catalog:artist_delete", kwargs={"ws": artist.workspace.slug, "pk": artist.pk})


def test_it_asks_for_confirmation_listing_the_releases(owner_client, release):
    response = owner_client.get(_url(release.artist))
    assert response.status_code == 200
    assert "This also deletes 1 release" in response.content.decode()
    assert "First Light" in response.content.decode()
    assert Artist.objects.exists()


def test_it_deletes_the_artist_releases_tracks_and_files(
    editor_client, release, django_capture_on_commit_callbacks
):
    update_release(release, {"artwork": upload()})
    artwork = release.artwork.name
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(_url(release.artist))
    assert response.status_code == 302
    assert not Artist.objects.exists()
    assert not Release.objects.exists()
    assert not Track.objects.exists()
    assert not default_storage.exists(artwork)
