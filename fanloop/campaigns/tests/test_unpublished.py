"""Unpublished pages are 404 for the public and outsiders; members see a preview."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import DroppedHit, Event
from fanloop.catalog.models import Release


@pytest.fixture
def draft(release: Release) -> Release:
    release.published = False
    release.save()
    return release


def test_it_returns_404_to_anonymous_visitors(draft: Release) -> None:
    response = Client().get("/nova-lights/midnight-signal")
    assert response.status_code == 404
    assert b"Midnight Signal" not in response.content


def test_it_returns_404_to_members_of_other_workspaces(draft: Release, outsider_client) -> None:
    for path in ("/nova-lights/midnight-signal", "/nova-lights/midnight-signal?preview=1"):
        response = outsider_client.get(path)
        assert response.status_code == 404
        assert b"Midnight Signal" not in response.content
    assert outsider_client.get("/nova-lights/midnight-signal/listen/spotify").status_code == 404
    assert outsider_client.get("/nova-lights/midnight-signal/presave/spotify").status_code == 404


@pytest.mark.parametrize("persona", ["owner_client", "editor_client", "viewer_client"])
def test_it_shows_members_a_private_preview(draft: Release, persona: str, request) -> None:
    client = request.getfixturevalue(persona)
    response = client.get("/nova-lights/midnight-signal?preview=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview — not published" in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"] == "private, no-store"
    assert not response.has_header("ETag")


def test_it_shows_the_preview_without_the_query_too(draft: Release, owner_client) -> None:
    response = owner_client.get("/nova-lights/midnight-signal")
    assert response.status_code == 200
    assert b"Preview" in response.content


def test_it_does_not_count_previews(draft: Release, owner_client) -> None:
    owner_client.get("/nova-lights/midnight-signal?preview=1")
    buffer.events.flush()
    assert Event.objects.count() == 0
    assert DroppedHit.objects.get().reason == "member"


def test_it_previews_a_published_page_for_members_on_request(
    release: Release, editor_client
) -> None:
    response = editor_client.get("/nova-lights/midnight-signal?preview=1")
    assert "Preview — your visits are not counted" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_it_ignores_the_preview_query_for_anonymous_visitors(release: Release) -> None:
    response = Client().get("/nova-lights/midnight-signal?preview=1")
    assert response.status_code == 200
    assert b"Preview" not in response.content
    assert response["Cache-Control"].startswith("public")


def test_it_stops_serving_a_page_once_unpublished(release: Release) -> None:
    client = Client()
    assert client.get("/nova-lights/midnight-signal").status_code == 200
    release.published = False
    release.save()
    assert client.get("/nova-lights/midnight-signal").status_code == 404
