"""Deezer's HTTP-200 error bodies map onto the error tree: code 4 → RateLimited, 300 →
AccessRevoked; its real 5xx and hangs → TransientError."""

from __future__ import annotations

import httpx
import pytest

from emulator.testing import AdminClient
from fanloop.platforms.deezer import QUOTA_BACKOFF_S, Deezer, raise_for_error_body
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    TransientError,
)
from fanloop.platforms.http import make_client

from .helpers import DEEZER_APP_ID, DEEZER_SECRET, REDIRECT, deezer_tokens


def test_it_reports_the_quota_as_rate_limited(deezer: Deezer, admin: AdminClient) -> None:
    admin.app(
        platform="deezer",
        client_id=DEEZER_APP_ID,
        client_secret=DEEZER_SECRET,
        redirect_uris=[REDIRECT],
        rate_limit={"limit": 2, "window_s": 5},
    )
    tokens = deezer_tokens(admin)
    deezer.profile(tokens)
    deezer.profile(tokens)
    with pytest.raises(RateLimited) as caught:
        deezer.profile(tokens)
    assert caught.value.retry_after == QUOTA_BACKOFF_S == 5.0


def test_it_reports_a_revoked_token(deezer: Deezer, admin: AdminClient) -> None:
    tokens = deezer_tokens(admin)
    admin.revoke(platform="deezer", user_id="9001")
    with pytest.raises(AccessRevoked, match="code 300"):
        deezer.profile(tokens)


def test_it_reports_server_errors_as_transient(deezer: Deezer, admin: AdminClient) -> None:
    tokens = deezer_tokens(admin)
    admin.faults(platforms=["deezer"], error_rate={"502": 1.0})
    with pytest.raises(TransientError) as caught:
        deezer.profile(tokens)
    assert caught.value.status == 502


def test_it_gives_up_on_a_hanging_call(deezer: Deezer, admin: AdminClient) -> None:
    tokens = deezer_tokens(admin)
    admin.faults(platforms=["deezer"], hang_rate=1.0, hang_s=5)
    quick = make_client(timeout=httpx.Timeout(0.5))
    adapter = Deezer(deezer.app, deezer.connect_url, deezer.api_url, quick)
    with quick, pytest.raises(TransientError, match="timed out"):
        adapter.profile(tokens)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (4, RateLimited),
        (100, BadRequest),
        (200, PermissionDenied),
        (300, AccessRevoked),
        (500, BadRequest),
        (501, BadRequest),
        (600, BadRequest),
        (700, TransientError),
        (800, NotFound),
        (999, PlatformError),
    ],
)
def test_it_maps_every_documented_code(code: int, error: type[PlatformError]) -> None:
    with pytest.raises(error) as caught:
        raise_for_error_body({"error": {"type": "Exception", "message": "m", "code": code}})
    assert type(caught.value) is error
