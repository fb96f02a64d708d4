"""A worker loads the URL configuration before it takes work."""

from __future__ import annotations

from django.urls import clear_url_caches, get_resolver

from fanloop.ops.worker import warm_up


def test_warm_up_populates_the_url_resolver() -> None:
    clear_url_caches()  # a fresh resolver, as in a new worker process
    assert not get_resolver()._populated  # type: ignore[attr-defined]
    warm_up()
    assert get_resolver()._populated  # type: ignore[attr-defined]
