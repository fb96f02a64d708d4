"""Deezer's connect flow over HTTP: auth.php (login + consent) → code → access_token.php →
an offline_access token that never expires and works on the API."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from emulator.testing import AdminClient
from fanloop.platforms.base import AppCredentials, Capability, Pkce
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.errors import AccessRevoked, PermissionDenied

from .helpers import DEEZER_APP_ID, REDIRECT, authorize_in_browser


def _code(deezer: Deezer, admin: AdminClient, fan_browser: httpx.Client) -> str:
    admin.user(platform="deezer", id="9001", email="dz@example.org", name="Dee Zer", country="FR")
    url = deezer.authorize_url("st-9", Pkce.generate(), frozenset({Capability.SAVE}))
    answer = authorize_in_browser(fan_browser, url, "dz@example.org")
    assert answer["state"] == "st-9"
    return answer["code"]


def test_it_asks_for_library_and_offline_perms(deezer: Deezer, emulator_url: str) -> None:
    url = deezer.authorize_url("st", Pkce.generate(), frozenset({Capability.SAVE}))
    assert url.startswith(f"{emulator_url}/deezer/oauth/auth.php?")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query == {
        "app_id": DEEZER_APP_ID,
        "redirect_uri": REDIRECT,
        "perms": "basic_access,manage_library,offline_access",
        "state": "st",
    }


def test_it_exchanges_the_code_for_a_lasting_token(
    deezer: Deezer, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    tokens = deezer.exchange_code(_code(deezer, admin, fan_browser), Pkce.generate())
    assert tokens.access_token
    assert tokens.expires_at is None  # offline_access
    assert deezer.refresh(tokens) is tokens
    profile = deezer.profile(tokens)
    assert (profile.user_id, profile.display_name, profile.country) == ("9001", "Dee Zer", "FR")
    assert profile.email is None  # we do not ask for the email perm


def test_it_refuses_a_wrong_code(deezer: Deezer, admin: AdminClient) -> None:
    with pytest.raises(AccessRevoked, match="connect again"):
        deezer.exchange_code("not-a-code", Pkce.generate())


def test_it_names_a_wrong_secret(
    deezer: Deezer, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    code = _code(deezer, admin, fan_browser)
    wrong = Deezer(
        AppCredentials(DEEZER_APP_ID, "wrong", REDIRECT),
        deezer.connect_url,
        deezer.api_url,
        deezer.http,
    )
    with pytest.raises(PermissionDenied, match="app id or secret"):
        wrong.exchange_code(code, Pkce.generate())
