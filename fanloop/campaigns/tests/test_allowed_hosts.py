"""Pages served from memory still refuse hosts outside ALLOWED_HOSTS."""

from __future__ import annotations

from django.test import Client

from fanloop.catalog.models import Release


def test_it_refuses_an_unknown_host_on_the_fast_path(release: Release) -> None:
    client = Client()
    assert client.get("/nova-lights/midnight-signal").status_code == 200  # now known
    response = client.get("/nova-lights/midnight-signal", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert client.get("/nova-lights/midnight-signal").status_code == 200


def test_it_sends_a_content_length(release: Release) -> None:
    client = Client()
    first = client.get("/nova-lights/midnight-signal")
    second = client.get("/nova-lights/midnight-signal")  # served from memory
    assert second["Content-Length"] == str(len(second.content)) == str(len(first.content))
