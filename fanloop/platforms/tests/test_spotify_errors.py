"""Spotify Web API failures map onto the error tree: 401 → TokenExpired, 403 → PermissionDenied,
429 → RateLimited(Retry-After), 5xx and hangs → TransientError."""

from __future__ import annotations

import httpx
import pytest

from emulator.testing import AdminClient
from fanloop.platforms.base import AppCredentials, AppMode, ItemRef
from fanloop.platforms.errors import (
    PermissionDenied,
    RateLimited,
    TokenExpired,
    TransientError,
)
from fanloop.platforms.http import make_client
from fanloop.platforms.spotify import Spotify

from .helpers import REDIRECT, SPOTIFY_CLIENT, SPOTIFY_SECRET, ids, seed_catalog, spotify_tokens


def test_it_reports_an_expired_access_token(spotify_dev: Spotify, admin: AdminClient) -> None:
    tokens = spotify_tokens(admin)
    admin.clock(advance=3601)
    with pytest.raises(TokenExpired) as caught:
        spotify_dev.profile(tokens)
    assert caught.value.status == 401
    assert spotify_dev.profile(spotify_dev.refresh(tokens)).user_id == "fan1"


def test_it_reports_a_missing_scope(spotify_dev: Spotify, admin: AdminClient) -> None:
    album = ids(seed_catalog(admin), "released", "spotify")["album"]
    tokens = spotify_tokens(admin, scopes="user-library-read")
    with pytest.raises(PermissionDenied, match="Insufficient client scope") as caught:
        spotify_dev.save(tokens, [ItemRef("album", album)])
    assert caught.value.status == 403


def test_it_reports_a_user_off_the_development_mode_allow_list(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_CLIENT,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[REDIRECT],
        mode="development",
        users=["first@example.org"],
    )
    spotify_tokens(admin, user_id="first")
    second = spotify_tokens(admin, user_id="second")
    with pytest.raises(PermissionDenied, match="not registered"):
        spotify_dev.profile(second)


def test_it_reports_the_rate_limit_with_retry_after(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_CLIENT,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[REDIRECT],
        mode="development",
        rate_limit={"limit": 2, "window_s": 20},
        users=["fan1@example.org"],
    )
    tokens = spotify_tokens(admin)
    spotify_dev.profile(tokens)
    spotify_dev.profile(tokens)
    with pytest.raises(RateLimited) as caught:
        spotify_dev.profile(tokens)
    # The emulator rounds the rest of the 20 s window up to whole seconds.
    assert caught.value.retry_after in (19.0, 20.0)
    assert caught.value.status == 429


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_reports_server_errors_as_transient(
    spotify_dev: Spotify, admin: AdminClient, status: int
) -> None:
    tokens = spotify_tokens(admin)
    admin.faults(platforms=["spotify"], error_rate={str(status): 1.0})
    with pytest.raises(TransientError) as caught:
        spotify_dev.profile(tokens)
    assert caught.value.status == status


def test_it_gives_up_on_a_hanging_call(admin: AdminClient, spotify_dev: Spotify) -> None:
    tokens = spotify_tokens(admin)
    admin.faults(platforms=["spotify"], hang_rate=1.0, hang_s=5)
    quick = make_client(timeout=httpx.Timeout(0.5))
    adapter = Spotify(spotify_dev.app, spotify_dev.accounts_url, spotify_dev.api_url, quick)
    with quick, pytest.raises(TransientError, match="timed out"):
        adapter.profile(tokens)


def test_it_reports_an_unreachable_token_endpoint_as_transient(http: httpx.Client) -> None:
    credentials = AppCredentials(SPOTIFY_CLIENT, SPOTIFY_SECRET, REDIRECT, AppMode.DEVELOPMENT)
    adapter = Spotify(credentials, "http://127.0.0.1:9/accounts", "http://127.0.0.1:9/v1", http)
    with pytest.raises(TransientError, match="unreachable"):
        adapter.app_token()
