"""Spotify refresh through Authlib: a new access token, the old refresh token kept when the
answer omits it, and invalid_grant (expired after six months, or revoked) → AccessRevoked."""

from __future__ import annotations

import pytest

from emulator.testing import AdminClient
from fanloop.platforms.base import Tokens
from fanloop.platforms.errors import AccessRevoked
from fanloop.platforms.spotify import Spotify

from .helpers import spotify_tokens


def test_it_keeps_the_old_refresh_token_when_the_answer_omits_it(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    tokens = spotify_tokens(admin, scopes="user-library-modify")
    fresh = spotify_dev.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.scopes == {"user-library-modify"}
    assert spotify_dev.profile(fresh).user_id == "fan1"


def test_it_takes_a_rotated_refresh_token(spotify_dev: Spotify, admin: AdminClient) -> None:
    admin.config(refresh_token_rotation=True)
    tokens = spotify_tokens(admin, pkce=True)
    fresh = spotify_dev.refresh(tokens)
    assert fresh.refresh_token and fresh.refresh_token != tokens.refresh_token
    assert spotify_dev.refresh(fresh).access_token  # the new one works
    with pytest.raises(AccessRevoked):
        spotify_dev.refresh(tokens)  # the old one no longer does


def test_it_reports_an_expired_refresh_token_as_revoked_access(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    tokens = spotify_tokens(admin)
    admin.clock(advance=183 * 86400)  # six calendar months and a bit after the authorization
    with pytest.raises(AccessRevoked, match="invalid_grant"):
        spotify_dev.refresh(tokens)


def test_it_reports_a_revoked_grant_as_revoked_access(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    tokens = spotify_tokens(admin)
    admin.revoke(platform="spotify", user_id="fan1")
    with pytest.raises(AccessRevoked):
        spotify_dev.refresh(tokens)


def test_it_needs_a_refresh_token(spotify_dev: Spotify) -> None:
    with pytest.raises(AccessRevoked):
        spotify_dev.refresh(Tokens(access_token="BQ-anything"))
