"""Creating a release from the dashboard: artist, timing, identifiers and tracks at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release, ReleaseMode
from fanloop.catalog.tests.conftest import VALID_EAN, upload


def _url(workspace: Workspace) -> str:
    return reverse("catalog:release_create", kwargs={"ws": workspace.slug})


def form_data(artist: Artist, **overrides: Any) -> dict[str, Any]:
    data = {
        "artist": artist.pk,
        "title": "Night Drive",
        "slug": "",
        "release_type": "ep",
        "release_mode": "local",
        "release_date": "2026-12-04",
        "release_time": "",
        "release_time_zone": "UTC",
        "upc": "400 6381 33393 1",
        "label_line": "℗ 2026 Alice Band",
        "description": "Four songs for the road.",
        "spotify_album": "",
        "applemusic_album": "",
        "deezer_album": "",
        "tidal_album": "",
        "tracks-TOTAL_FORMS": "5",
        "tracks-INITIAL_FORMS": "0",
        "tracks-MIN_NUM_FORMS": "0",
        "tracks-MAX_NUM_FORMS": "100",
        "tracks-0-position": "1",
        "tracks-0-title": "Headlights",
        "tracks-0-isrc": "US-S1Z-26-00001",
        "tracks-1-position": "",
        "tracks-1-title": "Exit 12",
        "tracks-1-isrc": "uss1z2600002",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("client_name", ["owner_client", "editor_client"])
def test_it_creates_a_draft_release_with_tracks(request, client_name, artist):
    client = request.getfixturevalue(client_name)
    response = client.post(
        _url(artist.workspace), {**form_data(artist), "artwork": upload("cover.jpg")}
    )
    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "catalog:release_detail", kwargs={"ws": artist.workspace.slug, "pk": release.pk}
    )
    assert (release.artist, release.title, release.slug) == (artist, "Night Drive", "night-drive")
    assert (release.release_type, release.upc, release.published) == ("ep", VALID_EAN, False)
    assert release.release_date == dt.date(2026, 12, 4)
    assert release.release_mode == ReleaseMode.LOCAL_MIDNIGHT
    assert release.artwork.name.startswith("artwork/")
    assert [(t.position, t.title, t.isrc) for t in release.tracks.all()] == [
        (1, "Headlights", "USS1Z2600001"),
        (2, "Exit 12", "USS1Z2600002"),
    ]


def test_it_creates_a_global_instant_release(owner_client, artist):
    data = form_data(
        artist,
        release_mode="global",
        release_time="09:30",
        release_time_zone="America/Los_Angeles",
        spotify_album="https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy?si=1",
        deezer_album="302127",
        tidal_album="https://tidal.com/browse/album/77646168",
    )
    assert owner_client.post(_url(artist.workspace), data).status_code == 302
    release = Release.objects.get()
    assert release.release_time == dt.time(9, 30)
    assert release.release_time_zone == "America/Los_Angeles"
    assert platform_ids.release_ids(release) == {
        "spotify": "4aawyAB9vmqN3uQ7FjRGTy",
        "deezer": "302127",
        "tidal": "77646168",
    }


def test_it_preselects_the_artist_from_the_query(owner_client, artist):
    response = owner_client.get(_url(artist.workspace) + f"?artist={artist.pk}")
    assert response.status_code == 200
    assert f'<option value="{artist.pk}" selected>' in response.content.decode()


def test_it_offers_the_time_zones_with_utc_first(owner_client, artist):
    content = owner_client.get(_url(artist.workspace)).content.decode()
    assert '<option value="UTC" selected>UTC</option>' in content
    assert '<option value="Pacific/Auckland">' in content
    assert '<optgroup label="Europe">' in content


def test_it_sends_you_to_add_an_artist_first(owner_client, workspace):
    response = owner_client.get(_url(workspace))
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:artist_create", kwargs={"ws": workspace.slug})


def test_it_refuses_an_artist_of_another_workspace(owner_client, artist, other_artist):
    response = owner_client.post(_url(artist.workspace), form_data(other_artist))
    assert response.status_code == 400
    assert not Release.objects.exists()


def test_it_requires_title_and_date(owner_client, artist):
    response = owner_client.post(
        _url(artist.workspace), form_data(artist, title="", release_date="")
    )
    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") >= 2
    assert not Release.objects.exists()


def test_a_global_instant_needs_a_time(owner_client, artist):
    data = form_data(artist, release_mode="global", release_time="")
    response = owner_client.post(_url(artist.workspace), data)
    assert response.status_code == 400
    assert "Enter the time of the global release instant" in response.content.decode()
    assert not Release.objects.exists()
