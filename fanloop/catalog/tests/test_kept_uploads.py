"""Forms keep what was entered after an error: the chosen image is kept (a signed token
and a preview only editors of the workspace can open) and used by the next submit, and
every error is listed at the top with a link to its field."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog import uploads
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.tests.conftest import upload
from fanloop.catalog.tests.test_release_create import form_data


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def _create(workspace: Workspace) -> str:
    return reverse("catalog:release_create", kwargs={"ws": workspace.slug})


def _token(page: str, field: str = "artwork") -> str:
    match = re.search(rf'name="{field}_kept" value="([^"]+)"', page)
    assert match, "no kept upload on the page"
    return match.group(1)


def test_the_artwork_survives_a_validation_error_and_is_saved_next_time(owner_client, artist):
    url = _create(artist.workspace)
    response = owner_client.post(url, {**form_data(artist, upc="123"), "artwork": upload()})
    assert response.status_code == 400 and not Release.objects.exists()
    page = response.text
    token = _token(page)
    assert "Kept from your last try: <b>cover.png</b>" in page
    preview = uploads.kept_url(artist.workspace, token)
    assert f'src="{preview}"' in page
    image = owner_client.get(preview)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Cache-Control"] == "private, no-store"
    # The error summary links to the field; the field shows its own error too.
    assert re.search(r'<a href="#id_upc">UPC / EAN: [^<]+</a>', page)
    assert 'value="Night Drive"' in page  # typed values are kept

    response = owner_client.post(url, {**form_data(artist), "artwork_kept": token})
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.artwork.name.startswith("artwork/") and release.artwork.size > 0
    assert not list(uploads.folder().iterdir())  # the kept copy is gone once saved
    assert owner_client.get(preview).status_code == 404


def test_a_new_file_replaces_the_kept_one_and_clearing_drops_it(editor_client, artist):
    url = _create(artist.workspace)
    first = editor_client.post(url, {**form_data(artist, title=""), "artwork": upload()})
    token = _token(first.text)
    cleared = editor_client.post(
        url, {**form_data(artist, title=""), "artwork_kept": token, "artwork-clear": "on"}
    )
    assert 'name="artwork_kept"' not in cleared.text
    again = editor_client.post(
        url, {**form_data(artist, title=""), "artwork_kept": token, "artwork": upload("b.png")}
    )
    assert _token(again.text) != token and "<b>b.png</b>" in again.text


def test_a_broken_image_is_not_kept(owner_client, artist):
    response = owner_client.post(
        _create(artist.workspace),
        {**form_data(artist, upc="123"), "artwork": upload("x.png", b"not an image")},
    )
    assert response.status_code == 400
    assert 'name="artwork_kept"' not in response.text


def test_the_artist_image_is_kept_too(owner_client, workspace):
    url = reverse("catalog:artist_create", kwargs={"ws": workspace.slug})
    response = owner_client.post(
        url, {"name": "Nova", "spotify_artist_link": "https://example.com/x", "image": upload()}
    )
    assert response.status_code == 400
    token = _token(response.text, "image")
    assert '<a href="#id_spotify_artist_link">' in response.text
    assert owner_client.post(url, {"name": "Nova", "image_kept": token}).status_code == 302
    assert Artist.objects.get(name="Nova").image.name


def test_a_kept_upload_is_refused_to_other_workspaces_viewers_and_forgers(
    owner_client, viewer_client, outsider_client, outsider, artist
):
    response = owner_client.post(
        _create(artist.workspace), {**form_data(artist, upc="123"), "artwork": upload()}
    )
    token = _token(response.text)
    preview = uploads.kept_url(artist.workspace, token)
    assert outsider_client.get(preview).status_code == 404
    assert viewer_client.get(preview).status_code == 403
    # The outsider's own workspace in the address: the token names another workspace.
    theirs = outsider.memberships.get().workspace
    assert outsider_client.get(uploads.kept_url(theirs, token)).status_code == 404
    assert owner_client.get(uploads.kept_url(artist.workspace, token + "x")).status_code == 404
    assert Client().get(preview).status_code == 302  # anonymous: to the login page
    # An outsider's form cannot pull the kept file into their own release.
    other_artist = Artist.objects.create(workspace=theirs, name="Mallory", slug="mallory")
    outsider_client.post(_create(theirs), {**form_data(other_artist), "artwork_kept": token})
    assert not Release.objects.filter(artist=other_artist).exclude(artwork="").exists()
