"""/r/<code> sends fans to the canonical page and keeps UTM parameters."""

from __future__ import annotations

from django.test import Client

from fanloop.catalog.models import Release


def test_it_redirects_to_the_canonical_page_keeping_the_query(release: Release) -> None:
    response = Client().get("/r/abc1234?utm_source=instagram&utm_campaign=launch")
    assert response.status_code == 302
    assert response["Location"] == (
        "/nova-lights/midnight-signal?utm_source=instagram&utm_campaign=launch"
    )
    assert response["Cache-Control"] == "public, max-age=60"


def test_it_redirects_without_a_query(release: Release) -> None:
    response = Client().get("/r/abc1234")
    assert response["Location"] == "/nova-lights/midnight-signal"


def test_it_returns_404_for_an_unknown_code(release: Release) -> None:
    response = Client().get("/r/nope999")
    assert response.status_code == 404
    assert b"This page is not here" in response.content


def test_it_is_case_sensitive(release: Release) -> None:
    assert Client().get("/r/ABC1234").status_code == 404


def test_it_hides_unpublished_releases_from_the_public(release: Release, outsider_client) -> None:
    release.published = False
    release.save()
    assert Client().get("/r/abc1234").status_code == 404
    assert outsider_client.get("/r/abc1234").status_code == 404


def test_it_redirects_members_to_the_unpublished_page(release: Release, viewer_client) -> None:
    release.published = False
    release.save()
    response = viewer_client.get("/r/abc1234")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
