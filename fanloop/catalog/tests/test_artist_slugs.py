"""Artist addresses are global, unique, well-formed and never a reserved path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fanloop.catalog.models import Artist
from fanloop.catalog.services import create_artist, update_artist
from fanloop.lib.reserved import reserved_slugs


def _errors(call: Callable[[], object]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_it_generates_unique_slugs_from_names(workspace, other_workspace):
    assert create_artist(workspace, name="Alice Band").slug == "alice-band"
    assert create_artist(other_workspace, name="Alice  Band!").slug == "alice-band-2"


def test_it_never_generates_a_reserved_slug(workspace):
    assert create_artist(workspace, name="Admin").slug == "admin-2"
    assert create_artist(workspace, name="W").slug == "w-2"


def test_it_falls_back_when_the_name_has_no_latin_letters(workspace):
    assert create_artist(workspace, name="坂本龍一").slug == "artist"


def test_it_refuses_a_duplicate_slug_even_from_another_workspace(workspace, other_workspace):
    create_artist(other_workspace, name="Someone", slug="alice")
    errors = _errors(lambda: create_artist(workspace, name="Alice", slug="alice"))
    assert errors["slug"] == [
        "The address /alice is already taken by another artist; choose another."
    ]


PATHS = ["admin", "accounts", "w", "r", "dashboard", "static", "media", "healthz", "api", "e"]


def test_the_reserved_set_holds_every_top_level_path():
    assert set(PATHS) | {"_emulator", "robots.txt", "favicon.ico"} <= reserved_slugs()


@pytest.mark.parametrize("slug", PATHS)
def test_it_refuses_reserved_slugs(workspace, slug):
    errors = _errors(lambda: create_artist(workspace, name="Alice", slug=slug))
    assert errors["slug"] == [
        f"“{slug}” is reserved for fanloop's own pages; choose another address."
    ]


@pytest.mark.parametrize("slug", ["with space", "under_score", "-edge", "dots.ok", "a--b", "é"])
def test_it_refuses_malformed_slugs(workspace, slug):
    errors = _errors(lambda: create_artist(workspace, name="Alice", slug=slug))
    assert "lowercase letters, digits and single hyphens" in errors["slug"][0]


def test_it_lowercases_typed_slugs(workspace):
    assert create_artist(workspace, name="Alice", slug=" Alice-Live ").slug == "alice-live"


def test_it_shows_the_duplicate_slug_error_on_the_form(owner_client, workspace, other_artist):
    response = owner_client.post(
        reverse("catalog:artist_create", kwargs={"ws": workspace.slug}),
        {"name": "Copycat", "slug": other_artist.slug},
    )
    assert response.status_code == 400
    assert f"The address /{other_artist.slug} is already taken" in response.content.decode()
    assert Artist.objects.filter(workspace=workspace).count() == 0


def test_it_keeps_its_own_slug_on_update(artist):
    update_artist(artist, slug="alice-band", name="Alice Band")
    assert artist.slug == "alice-band"


def test_an_artist_may_keep_an_address_reserved_since(artist):
    Artist.objects.filter(pk=artist.pk).update(slug="status")
    artist.refresh_from_db()
    update_artist(artist, slug="status", name="Still Here")
    assert (artist.slug, artist.name) == ("status", "Still Here")
