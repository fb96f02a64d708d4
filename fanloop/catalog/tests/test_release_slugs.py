"""Release addresses are unique per artist; the same address may exist under another artist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fanloop.catalog.services import create_artist, create_release, update_release
from fanloop.catalog.tests.test_release_create import form_data

DAY = dt.date(2026, 12, 4)


def test_it_generates_a_unique_slug_per_artist(release):
    again = create_release(release.artist, {"title": "First Light", "release_date": DAY})
    assert again.slug == "first-light-2"


def test_another_artist_may_use_the_same_slug(release, workspace):
    other = create_artist(workspace, name="Other")
    assert (
        create_release(other, {"title": "First Light", "release_date": DAY}).slug == "first-light"
    )


def test_it_refuses_a_duplicate_slug_typed_by_hand(release):
    with pytest.raises(ValidationError) as info:
        create_release(release.artist, {"title": "X", "slug": "first-light", "release_date": DAY})
    assert info.value.message_dict["slug"] == [
        "Alice Band already has a release at /alice-band/first-light; choose another address."
    ]


def test_it_shows_the_duplicate_slug_error_on_the_form(owner_client, release):
    response = owner_client.post(
        reverse("catalog:release_create", kwargs={"ws": release.artist.workspace.slug}),
        form_data(release.artist, slug="first-light"),
    )
    assert response.status_code == 400
    assert "already has a release at /alice-band/first-light" in response.content.decode()


def test_moving_to_an_artist_with_the_same_slug_is_refused(release, workspace):
    other = create_artist(workspace, name="Other")
    create_release(other, {"title": "First Light", "release_date": DAY})
    with pytest.raises(ValidationError) as info:
        update_release(release, {"artist": other})
    assert "already has a release at /other/first-light" in info.value.message_dict["slug"][0]
    release.refresh_from_db()
    assert release.artist.name == "Alice Band"


def test_clearing_the_slug_makes_a_new_one_from_the_title(release):
    update_release(release, {"title": "Second Light", "slug": ""})
    assert release.slug == "second-light"
