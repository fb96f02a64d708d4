"""A worker loads the URL configuration before it takes work."""

from __future__ import annotations

from django.urls import get_resolver

from fanloop.ops.worker import warm_up


def test_warm_up_populates_the_url_resolver() -> None:
    resolver = get_resolver()
    resolver._populated = False  # type: ignore[attr-defined]  # as in a fresh process
    warm_up()
    assert resolver._populated  # type: ignore[attr-defined]
