"""Public pages only answer GET and HEAD; writes are refused (CSRF stays on)."""

from __future__ import annotations

from django.test import Client

from fanloop.catalog.models import Release


def test_it_refuses_post_without_a_csrf_token(release: Release) -> None:
    client = Client(enforce_csrf_checks=True)
    for path in ("/nova-lights/midnight-signal", "/nova-lights/midnight-signal/listen/spotify"):
        assert client.post(path).status_code == 403


def test_it_refuses_post_even_with_csrf_checks_off(release: Release) -> None:
    assert Client().post("/nova-lights/midnight-signal").status_code == 405


def test_it_answers_head_without_counting_anything(release: Release) -> None:
    from fanloop.analytics import buffer

    client = Client()
    assert client.head("/nova-lights/midnight-signal").status_code == 200
    assert client.head("/nova-lights/midnight-signal").status_code == 200  # from memory
    assert client.head("/nova-lights/midnight-signal/listen/spotify").status_code == 302
    assert buffer.events.pending() == 0
