"""No token, secret or key shows in a repr, a str or an error — also errors raised by real
failing calls whose URLs carry a token (Deezer) — and errors survive pickling."""

from __future__ import annotations

import pickle

import httpx
import pytest

from emulator.testing import AdminClient
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import AppCredentials, ItemRef, Pkce, Tokens
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.errors import (
    AccessRevoked,
    NotFound,
    PlatformError,
    RateLimited,
    TokenExpired,
    TransientError,
)
from fanloop.platforms.http import make_client
from fanloop.platforms.spotify import Spotify

from .helpers import apple_tokens, deezer_tokens, spotify_tokens


def _shows(error: BaseException, *secrets: str) -> bool:
    seen = [str(error), repr(error), *map(str, error.args)]
    if error.__cause__ is not None:
        seen.append(repr(error.__cause__))
    return any(secret in text for secret in secrets for text in seen)


def test_it_hides_tokens_and_secrets_in_reprs() -> None:
    tokens = Tokens(access_token="AT-secret-1", refresh_token="RT-secret-2")
    app = AppCredentials("client", "CS-secret-3", private_key="PK-secret-4")
    pkce = Pkce.generate()
    for text in (repr(tokens), str(tokens), repr(app), str(app), repr(pkce)):
        for secret in ("AT-secret-1", "RT-secret-2", "CS-secret-3", "PK-secret-4", pkce.verifier):
            assert secret not in text
    assert "client" in repr(app)


def test_it_keeps_spotify_tokens_out_of_errors(spotify_dev: Spotify, admin: AdminClient) -> None:
    tokens = spotify_tokens(admin)
    admin.revoke(platform="spotify", user_id="fan1")
    assert tokens.refresh_token
    with pytest.raises(TokenExpired) as expired:
        spotify_dev.profile(tokens)
    with pytest.raises(AccessRevoked) as revoked:
        spotify_dev.refresh(tokens)
    for caught in (expired, revoked):
        assert not _shows(caught.value, tokens.access_token, tokens.refresh_token)


def test_it_keeps_deezer_tokens_out_of_errors(deezer: Deezer, admin: AdminClient) -> None:
    tokens = deezer_tokens(admin)
    with pytest.raises(NotFound) as missing:
        deezer.save(tokens, [ItemRef("album", "123456789")])
    admin.faults(platforms=["deezer"], hang_rate=1.0, hang_s=5)
    quick = make_client(timeout=httpx.Timeout(0.5))
    with quick, pytest.raises(TransientError) as hung:
        Deezer(deezer.app, deezer.connect_url, deezer.api_url, quick).profile(tokens)
    admin.faults()
    admin.revoke(platform="deezer", user_id="9001")
    with pytest.raises(AccessRevoked) as revoked:
        deezer.profile(tokens)
    for caught in (missing, hung, revoked):
        assert not _shows(caught.value, tokens.access_token)
        # The httpx error (its request carries the URL, token included) is never chained.
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_it_keeps_apple_tokens_out_of_errors(apple: AppleMusic, admin: AdminClient) -> None:
    tokens = apple_tokens(admin)
    admin.revoke(platform="apple", user_id="ap1")
    with pytest.raises(AccessRevoked) as revoked:
        apple.profile(tokens)
    assert not _shows(revoked.value, tokens.access_token, apple.developer_token())
    assert not _shows(revoked.value, apple.app.private_key)


@pytest.mark.parametrize(
    "error",
    [
        RateLimited(3.0, "Spotify rate limit"),
        AccessRevoked("grant gone", status=400),
        TransientError("Deezer timed out"),
        PlatformError("odd", status=418),
    ],
)
def test_it_survives_pickling(error: PlatformError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (str(copy), copy.status) == (str(error), error.status)
    if isinstance(error, RateLimited):
        assert isinstance(copy, RateLimited) and copy.retry_after == 3.0
