"""Token-endpoint failures map onto the error tree. The emulator injects faults on Web API
routes only, so these answers come from httpx's MockTransport (the one exception here)."""

from __future__ import annotations

import httpx
import pytest

from fanloop.platforms.base import AppCredentials, Tokens
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    PermissionDenied,
    PlatformError,
    RateLimited,
    TransientError,
)
from fanloop.platforms.spotify import Spotify


def _spotify(status: int, body: bytes, headers: dict[str, str] | None = None) -> Spotify:
    answer = httpx.Response(status, headers=headers or {}, content=body)
    client = httpx.Client(transport=httpx.MockTransport(lambda request: answer))
    return Spotify(AppCredentials("c", "s", "http://x/cb"), "http://accounts", "http://api", client)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (429, b"{}", {"Retry-After": "7"}, RateLimited),
        (500, b"oops", None, TransientError),
        (503, b"{}", None, TransientError),
        (400, b'{"error":"invalid_grant","error_description":"revoked"}', None, AccessRevoked),
        (
            400,
            b'{"error":"invalid_client","error_description":"Invalid client"}',
            None,
            PermissionDenied,
        ),
        (400, b'{"error":"invalid_request"}', None, BadRequest),
        (403, b"<html>", None, BadRequest),
    ],
)
def test_it_maps_token_endpoint_failures(
    status: int, body: bytes, headers: dict[str, str] | None, error: type[PlatformError]
) -> None:
    with pytest.raises(error) as caught:
        _spotify(status, body, headers).refresh(Tokens("AT-1", "RT-2"))
    assert type(caught.value) is error
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7.0
    assert "RT-2" not in str(caught.value)
