"""The visitor's address comes from REMOTE_ADDR, or from our one proxy when behind one."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from fanloop.lib.visitor import client_ip


def test_it_uses_the_connection_address_by_default() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.1"


@override_settings(BEHIND_PROXY=True)
def test_it_trusts_only_the_entry_our_proxy_added() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"


@override_settings(BEHIND_PROXY=True)
def test_it_falls_back_to_the_connection_without_the_header() -> None:
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
