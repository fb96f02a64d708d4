"""Reserved names come from the URLconf: every route's first segment, present and future,
is refused as an artist address and skipped by generated artist and workspace slugs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import include, path
from django.urls.resolvers import get_resolver

from fanloop.catalog.services import create_artist
from fanloop.flows.workspaces import create_workspace
from fanloop.lib.reserved import reserved_slugs, route_segments

# Mounted as ROOT_URLCONF by the test below: fanloop's routes plus one new top-level one.
urlpatterns = [
    path("brand-new-route/", lambda request: HttpResponse()),
    path("", include("fanloop.urls")),
]


def test_every_first_segment_of_the_urlconf_is_reserved():
    literal = set()
    for pattern in get_resolver().url_patterns:
        literal.add(str(pattern.pattern).split("/", 1)[0])
    literal.discard("")  # includes at the root: their routes are checked below
    assert literal <= reserved_slugs()
    # Single-letter and short routes that a hand-kept list once missed.
    assert {"a", "e", "u", "me", "r", "w"} <= route_segments()
    assert {"api", "static", "media", "admin", "healthz"} <= reserved_slugs()


def test_a_route_added_later_is_reserved_without_a_list_to_update(settings):
    settings.ROOT_URLCONF = __name__
    assert "brand-new-route" in reserved_slugs()


@pytest.mark.parametrize("slug", ["a", "e", "u", "me", "r", "w", "api", "healthz"])
def test_it_refuses_a_typed_artist_address_that_is_a_route(workspace, slug):
    with pytest.raises(ValidationError) as info:
        create_artist(workspace, name="Someone", slug=slug)
    assert info.value.message_dict["slug"] == [
        f"“{slug}” is reserved for fanloop's own pages; choose another address."
    ]


@pytest.mark.parametrize("name", ["A", "E", "U", "Me", "R", "API"])
def test_generated_artist_addresses_skip_routes(workspace, name):
    slug = create_artist(workspace, name=name).slug
    assert slug == f"{name.lower()}-2"


@pytest.mark.parametrize("name", ["A", "W", "Admin", "API", "Static"])
def test_generated_workspace_slugs_skip_routes(owner, name):
    assert create_workspace(name, owner).slug == f"{name.lower()}-2"


def test_the_artist_form_shows_the_reserved_error(owner_client, workspace):
    response = owner_client.post(f"/w/{workspace.slug}/artists/new/", {"name": "A", "slug": "a"})
    assert response.status_code == 400
    assert "“a” is reserved for fanloop&#x27;s own pages" in response.content.decode()
