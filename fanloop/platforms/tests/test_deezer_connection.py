"""Deezer's connection check: the API answers, and access_token.php does not refuse the app id
and secret (a dummy code tells a wrong app apart from a wrong code)."""

from __future__ import annotations

import httpx

from fanloop.platforms.base import AppCredentials
from fanloop.platforms.deezer import Deezer

from .helpers import DEEZER_APP_ID, REDIRECT


def _with(deezer: Deezer, http: httpx.Client, app_id: str, secret: str) -> Deezer:
    return Deezer(
        AppCredentials(app_id, secret, REDIRECT), deezer.connect_url, deezer.api_url, http
    )


def test_it_accepts_a_known_app(deezer: Deezer) -> None:
    check = deezer.test_connection()
    assert check.ok, check.message


def test_it_names_a_wrong_secret(deezer: Deezer, http: httpx.Client) -> None:
    check = _with(deezer, http, DEEZER_APP_ID, "nope").test_connection()
    assert not check.ok
    assert "app id or secret" in check.message


def test_it_names_an_unknown_app(deezer: Deezer, http: httpx.Client) -> None:
    check = _with(deezer, http, "424242", "nope").test_connection()
    assert not check.ok
    assert "app id or secret" in check.message


def test_it_reports_an_unreachable_platform(http: httpx.Client) -> None:
    adapter = Deezer(
        AppCredentials(DEEZER_APP_ID, "s", REDIRECT),
        "http://127.0.0.1:9/o",
        "http://127.0.0.1:9/a",
        http,
    )
    check = adapter.test_connection()
    assert not check.ok and "could not be reached" in check.message
