"""The manual album override page: a pasted link makes the platform live and starts due
waves; a wrong link is a clear form error and changes nothing."""

from __future__ import annotations

from django.urls import reverse

from fanloop.catalog.models import Release
from fanloop.fulfillment.models import DetectionStatus, ReleasePlatform, WaveStatus

from .ui_fixtures import (  # noqa: F401 - fixtures
    SPOTIFY_ALBUM,
    artist_fixture,
    release_fixture,
    state,
    wave,
)


def _url(release: Release, platform: str = "spotify") -> str:
    return reverse(
        "fulfillment:album_override",
        kwargs={"ws": release.artist.workspace.slug, "pk": release.pk, "platform": platform},
    )


def test_it_shows_the_form(editor_client, release):
    page = editor_client.get(_url(release, "deezer")).text
    assert "Deezer album link or id" in page
    assert 'placeholder="https://www.deezer.com/album/123456"' in page


def test_it_sets_the_album_and_starts_delivery(editor_client, release):
    spotify = state(release, "spotify", DetectionStatus.NOT_FOUND)
    due = wave(spotify, "", WaveStatus.NOT_FOUND)
    response = editor_client.post(
        _url(release), {"album": f"https://open.spotify.com/album/{SPOTIFY_ALBUM}"}, follow=True
    )
    detail = reverse(
        "catalog:release_detail", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    assert response.redirect_chain[-1][0] == f"{detail}#delivery-h"
    assert "Spotify album set to" in response.text
    spotify.refresh_from_db()
    due.refresh_from_db()
    assert spotify.status == DetectionStatus.LIVE and spotify.source == "manual"
    assert due.status == WaveStatus.DELIVERING


def test_it_refuses_a_link_of_another_platform(editor_client, release):
    response = editor_client.post(_url(release), {"album": "https://www.deezer.com/album/302127"})
    assert response.status_code == 400
    assert "This link is from Deezer; this field needs a link from Spotify" in response.text
    assert not ReleasePlatform.objects.exists()


def test_it_refuses_garbage_and_empty_input(editor_client, release):
    response = editor_client.post(_url(release), {"album": "not a link"})
    assert response.status_code == 400
    assert "This is not a Spotify, Apple Music or Deezer link" in response.text
    response = editor_client.post(_url(release), {"album": "  "})
    assert response.status_code == 400
    assert "Paste the album&#x27;s link." in response.text
    assert not ReleasePlatform.objects.exists()
