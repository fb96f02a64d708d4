"""Spotify's authorize URL: PKCE S256, state, redirect URI, and the narrowest scopes per
capability; the emulator accepts it and shows its login page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from fanloop.platforms.base import Capability, Pkce
from fanloop.platforms.spotify import Spotify

from .helpers import REDIRECT, SPOTIFY_CLIENT

SAVE, FOLLOW, VERIFY = Capability.SAVE, Capability.FOLLOW, Capability.VERIFY


def _query(spotify: Spotify, capabilities: set[Capability], state: str = "st-1") -> dict[str, str]:
    url = spotify.authorize_url(state, Pkce.generate(), frozenset(capabilities))
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_it_builds_a_pkce_authorize_url(spotify_dev: Spotify, emulator_url: str) -> None:
    pkce = Pkce.generate()
    url = spotify_dev.authorize_url("st-42", pkce, frozenset({SAVE}))
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == (
        f"{emulator_url}/spotify/accounts/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": SPOTIFY_CLIENT,
        "redirect_uri": REDIRECT,
        "scope": "user-library-modify",
        "state": "st-42",
        "code_challenge_method": "S256",
        "code_challenge": create_s256_code_challenge(pkce.verifier),
    }
    assert pkce.challenge == query["code_challenge"]
    assert 43 <= len(pkce.verifier) <= 128
    assert "=" not in pkce.challenge
    # The emulator takes it: its login page, not an error page.
    page = httpx.get(url)
    assert page.status_code == 200 and 'name="email"' in page.text


@pytest.mark.parametrize(
    ("capabilities", "scopes"),
    [
        ({SAVE}, "user-library-modify"),
        ({SAVE, FOLLOW}, "user-follow-modify user-library-modify"),
        ({SAVE, VERIFY}, "user-library-modify user-library-read"),
        (
            {SAVE, FOLLOW, VERIFY},
            "user-follow-modify user-follow-read user-library-modify user-library-read",
        ),
    ],
)
def test_it_asks_for_the_narrowest_scopes(
    spotify_dev: Spotify, capabilities: set[Capability], scopes: str
) -> None:
    assert _query(spotify_dev, capabilities)["scope"] == scopes
