"""Unknown artists, releases and platforms get a small friendly 404 page."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.catalog.models import Release


@pytest.mark.parametrize(
    "path",
    [
        "/nobody/midnight-signal",
        "/nova-lights/nothing",
        "/nova-lights/midnight-signal/listen/napster",
        "/connect/napster/start?release=1",
        "/connect/spotify/start?release=999999",
        "/nobody/midnight-signal/listen/spotify",
    ],
)
def test_it_returns_a_friendly_404(release: Release, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 404
    assert b"This page is not here" in response.content
    assert b'<html lang="en">' in response.content
    assert not response.cookies


def test_it_does_not_mix_up_two_artists_releases(release: Release, workspace) -> None:
    from fanloop.analytics.tests.factories import make_artist

    make_artist(workspace, name="Other", slug="other")
    assert Client().get("/other/midnight-signal").status_code == 404


def test_it_redirects_a_trailing_slash_to_the_canonical_address(release: Release) -> None:
    response = Client().get("/nova-lights/midnight-signal/?utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == "/nova-lights/midnight-signal?utm_source=x"


def test_it_leaves_other_two_part_addresses_to_their_owners(release: Release) -> None:
    # /accounts/login has no trailing slash: not a release, but /accounts/login/ exists.
    response = Client().get("/accounts/login")
    if response.status_code == 301:
        assert response["Location"] == "/accounts/login/"
    else:  # the accounts app is not mounted with that page yet
        assert response.status_code == 404
