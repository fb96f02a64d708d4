"""Spotify's connection check: a client-credentials token request, with a clear message for a
wrong secret or an unknown client id."""

from __future__ import annotations

import httpx

from fanloop.platforms.base import AppCredentials
from fanloop.platforms.spotify import Spotify

from .helpers import REDIRECT, SPOTIFY_CLIENT


def _with(spotify: Spotify, http: httpx.Client, client_id: str, secret: str) -> Spotify:
    credentials = AppCredentials(client_id, secret, REDIRECT, spotify.app.mode)
    return Spotify(credentials, spotify.accounts_url, spotify.api_url, http)


def test_it_accepts_good_credentials(spotify_dev: Spotify) -> None:
    check = spotify_dev.test_connection()
    assert check.ok
    assert "development mode" in check.message


def test_it_names_a_wrong_secret(spotify_dev: Spotify, http: httpx.Client) -> None:
    check = _with(spotify_dev, http, SPOTIFY_CLIENT, "wrong-secret").test_connection()
    assert not check.ok
    assert "client secret" in check.message
    assert "wrong-secret" not in check.message


def test_it_names_an_unknown_client_id(spotify_dev: Spotify, http: httpx.Client) -> None:
    check = _with(spotify_dev, http, "nobody", "x").test_connection()
    assert not check.ok
    assert "does not know this client id" in check.message


def test_it_asks_for_a_missing_secret(spotify_dev: Spotify, http: httpx.Client) -> None:
    check = _with(spotify_dev, http, SPOTIFY_CLIENT, "").test_connection()
    assert not check.ok
    assert "client secret" in check.message


def test_it_reports_an_unreachable_platform(http: httpx.Client) -> None:
    credentials = AppCredentials(SPOTIFY_CLIENT, "s", REDIRECT)
    adapter = Spotify(credentials, "http://127.0.0.1:9/accounts", "http://127.0.0.1:9/v1", http)
    check = adapter.test_connection()
    assert not check.ok
    assert "could not be reached" in check.message
