"""Owners and editors add artists from the dashboard; links become platform ids."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist
from fanloop.catalog.tests.conftest import upload


def _url(workspace: Workspace) -> str:
    return reverse("catalog:artist_create", kwargs={"ws": workspace.slug})


@pytest.mark.parametrize("client_name", ["owner_client", "editor_client"])
def test_it_creates_an_artist_with_links_and_image(request, client_name, workspace):
    client = request.getfixturevalue(client_name)
    response = client.post(
        _url(workspace),
        {
            "name": "Les Étoiles",
            "slug": "",
            "image": upload("photo.webp"),
            "spotify_artist_link": "https://open.spotify.com/intl-fr/artist/0OdUWJ0sBjDrqHygGUXeCF?si=x",
            "applemusic_artist_link": "https://music.apple.com/fr/artist/les-etoiles/260404013",
            "deezer_artist_link": "https://www.deezer.com/fr/artist/27",
            "tidal_artist_link": "https://listen.tidal.com/artist/7804?u",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:artist_list", kwargs={"ws": workspace.slug})
    artist = Artist.objects.get()
    assert (artist.workspace, artist.name, artist.slug) == (workspace, "Les Étoiles", "les-etoiles")
    assert platform_ids.artist_ids(artist) == {
        "spotify": "0OdUWJ0sBjDrqHygGUXeCF",
        "applemusic": "260404013",
        "deezer": "27",
        "tidal": "7804",
    }
    links = platform_ids.artist_links(artist)
    assert links["spotify"] == "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF"
    assert links["tidal"] == "https://tidal.com/artist/7804"
    assert artist.image.name.startswith("artists/") and artist.image.name.endswith(".jpg")


def test_it_shows_the_form(owner_client, workspace):
    response = owner_client.get(_url(workspace))
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


def test_it_requires_a_name(owner_client, workspace):
    response = owner_client.post(_url(workspace), {"name": "  "})
    assert response.status_code == 400
    assert not Artist.objects.exists()


def test_it_explains_a_wrong_link_and_saves_nothing(owner_client, workspace):
    response = owner_client.post(
        _url(workspace),
        {
            "name": "Alice",
            "spotify_artist_link": "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
        },
    )
    assert response.status_code == 400
    assert "This Spotify link is for an album, but this field needs an artist link" in (
        response.content.decode()
    )
    assert not Artist.objects.exists()


def test_it_refuses_a_non_image_and_saves_nothing(owner_client, workspace, _media_root):
    response = owner_client.post(
        _url(workspace),
        {"name": "Alice", "image": upload("photo.png", b"not an image", "image/png")},
    )
    assert response.status_code == 400
    assert "Artist image must be a JPEG, PNG or WebP image" in response.content.decode()
    assert not Artist.objects.exists()
    assert not [p for p in _media_root.rglob("*") if p.is_file()]


def test_it_reports_every_bad_link_at_once(owner_client, workspace):
    response = owner_client.post(
        _url(workspace),
        {
            "name": "Alice",
            "spotify_artist_link": "https://spotify.link/abc",
            "applemusic_artist_link": "https://music.apple.com/us/album/x/1",
            "deezer_artist_link": "https://example.com/artist/1",
            "tidal_artist_link": "https://tidal.com/album/1",
        },
    )
    content = response.content.decode()
    assert "This TIDAL link is for an album, but this field needs an artist link" in content
    assert "Short Spotify links cannot be read" in content
    assert "This Apple Music link is for an album, but this field needs an artist link" in content
    assert (
        "This is a Deezer link" not in content
        and "not a Spotify, Apple Music or Deezer link" in content
    )
