"""The whole Spotify authorization over HTTP: authorize URL → emulator login and consent pages
→ callback code → code exchange (PKCE) → tokens that work on the Web API."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from emulator.testing import AdminClient
from fanloop.platforms.base import AppCredentials, AppMode, Capability, Pkce
from fanloop.platforms.errors import AccessRevoked
from fanloop.platforms.spotify import Spotify

from .helpers import REDIRECT, SPOTIFY_CLIENT, authorize_in_browser


def _authorize(
    spotify: Spotify, admin: AdminClient, fan_browser: httpx.Client, pkce: Pkce
) -> dict[str, str]:
    admin.user(platform="spotify", id="fan1", email="fan1@example.org", country="DE")
    url = spotify.authorize_url(
        "st-7", pkce, frozenset({Capability.SAVE, Capability.FOLLOW, Capability.VERIFY})
    )
    return authorize_in_browser(fan_browser, url, "fan1@example.org")


def test_it_exchanges_the_code_for_working_tokens(
    spotify_dev: Spotify, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    pkce = Pkce.generate()
    answer = _authorize(spotify_dev, admin, fan_browser, pkce)
    assert answer["state"] == "st-7"
    tokens = spotify_dev.exchange_code(answer["code"], pkce)
    assert tokens.access_token and tokens.refresh_token
    assert tokens.scopes == {
        "user-library-modify",
        "user-library-read",
        "user-follow-modify",
        "user-follow-read",
    }
    assert tokens.expires_at is not None
    left = tokens.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=3500) < left <= dt.timedelta(seconds=3600)
    profile = spotify_dev.profile(tokens)
    assert profile.user_id == "fan1"
    # Development-mode apps lost email and country (emulator default): we cope with None.
    assert profile.email is None and profile.country is None


def test_it_works_as_a_public_client_with_pkce_alone(
    admin: AdminClient, spotify_dev: Spotify, fan_browser: httpx.Client, http: httpx.Client
) -> None:
    public = Spotify(
        AppCredentials(SPOTIFY_CLIENT, "", REDIRECT, AppMode.DEVELOPMENT),
        spotify_dev.accounts_url,
        spotify_dev.api_url,
        http,
    )
    pkce = Pkce.generate()
    answer = _authorize(public, admin, fan_browser, pkce)
    tokens = public.exchange_code(answer["code"], pkce)
    assert public.profile(tokens).user_id == "fan1"
    assert public.refresh(tokens).refresh_token == tokens.refresh_token


def test_it_refuses_a_wrong_verifier_as_a_revoked_grant(
    spotify_dev: Spotify, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    answer = _authorize(spotify_dev, admin, fan_browser, Pkce.generate())
    with pytest.raises(AccessRevoked, match="invalid_grant"):
        spotify_dev.exchange_code(answer["code"], Pkce.generate())


def test_it_refuses_a_used_code(
    spotify_dev: Spotify, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    pkce = Pkce.generate()
    answer = _authorize(spotify_dev, admin, fan_browser, pkce)
    spotify_dev.exchange_code(answer["code"], pkce)
    with pytest.raises(AccessRevoked):
        spotify_dev.exchange_code(answer["code"], pkce)
