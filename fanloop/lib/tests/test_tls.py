"""Outgoing clients share one TLS context, still verifying certificates."""

from __future__ import annotations

import ssl

import httpx

from fanloop.lib.tls import client_context
from fanloop.platforms.http import make_client


def _context_of(client: httpx.Client) -> ssl.SSLContext:
    transport = client._transport  # where httpx keeps its pool
    assert isinstance(transport, httpx.HTTPTransport)
    context = transport._pool._ssl_context
    assert context is not None
    return context


def test_clients_share_one_context_that_verifies_certificates() -> None:
    with make_client() as first, make_client() as second:
        shared = _context_of(first)
        assert _context_of(second) is shared is client_context()
    assert shared.verify_mode == ssl.CERT_REQUIRED
    assert shared.check_hostname


def test_a_context_that_ignores_the_environment_is_another() -> None:
    assert client_context(trust_env=False) is client_context(trust_env=False)
    assert client_context(trust_env=False) is not client_context()
    assert client_context(trust_env=False).verify_mode == ssl.CERT_REQUIRED
