"""Editing an artist changes only what the form sends; replaced images are removed."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, ArtistPlatformId
from fanloop.catalog.services import update_artist
from fanloop.catalog.tests.conftest import image_bytes, upload


def _url(artist: Artist) -> str:
    return reverse("catalog:artist_edit", kwargs={"ws": artist.workspace.slug, "pk": artist.pk})


def test_it_shows_the_saved_values(editor_client, artist):
    response = editor_client.get(_url(artist))
    assert response.status_code == 200
    assert b'value="alice-band"' in response.content
    assert b"https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF" in response.content


def test_it_saves_changes_and_clears_a_link(editor_client, artist):
    response = editor_client.post(
        _url(artist),
        {"name": "Alice Band (Live)", "slug": "alice-band", "spotify_artist_link": ""},
    )
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.name == "Alice Band (Live)"
    assert not ArtistPlatformId.objects.filter(artist=artist).exists()


def test_it_saves_a_tidal_artist_link_as_its_id(editor_client, artist):
    response = editor_client.post(
        _url(artist),
        {
            "name": artist.name,
            "slug": artist.slug,
            "spotify_artist_link": "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF",
            "tidal_artist_link": "tidal.com/browse/artist/3346",
        },
    )
    assert response.status_code == 302
    row = ArtistPlatformId.objects.get(artist=artist, platform="tidal")
    assert (row.external_id, row.url) == ("3346", "https://tidal.com/artist/3346")
    assert platform_ids.artist_id(artist, "spotify") == "0OdUWJ0sBjDrqHygGUXeCF"
    page = editor_client.get(_url(artist)).content.decode()
    assert 'name="tidal_artist_link"' in page and "https://tidal.com/artist/3346" in page


def test_it_keeps_the_slug_when_the_name_changes(artist):
    update_artist(artist, name="Renamed")
    artist.refresh_from_db()
    assert artist.slug == "alice-band"


def test_it_replaces_the_image_and_deletes_the_old_file(django_capture_on_commit_callbacks, artist):
    with django_capture_on_commit_callbacks(execute=True):
        update_artist(artist, image=upload(data=image_bytes(color=(1, 1, 1))))
    first = artist.image.name
    with django_capture_on_commit_callbacks(execute=True):
        update_artist(artist, image=upload(data=image_bytes(color=(2, 2, 2))))
    assert artist.image.name != first
    assert default_storage.exists(artist.image.name)
    assert not default_storage.exists(first)


def test_it_removes_the_image_with_the_clear_box(
    editor_client, artist, django_capture_on_commit_callbacks
):
    update_artist(artist, image=upload())
    name = artist.image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            _url(artist), {"name": artist.name, "slug": artist.slug, "image-clear": "on"}
        )
    assert response.status_code == 302
    artist.refresh_from_db()
    assert not artist.image
    assert not default_storage.exists(name)


def test_it_keeps_the_old_values_when_the_edit_is_invalid(editor_client, artist):
    response = editor_client.post(
        _url(artist),
        {
            "name": "New name",
            "deezer_artist_link": "nonsense",
            "tidal_artist_link": "tidal.com/artist/1",
        },
    )
    assert response.status_code == 400
    artist.refresh_from_db()
    assert artist.name == "Alice Band"
    assert set(platform_ids.artist_ids(artist)) == {"spotify"}
