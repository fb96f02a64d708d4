"""Spotify accounts service: every bad authorize or token request answered as Spotify does."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

import httpx

from emulator.testing import AdminClient

from .conftest import REDIRECT, spotify_app
from .forms import consent

VERIFIER = "v" * 64
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)


def _authorize(base: str, **params: str) -> str:
    query = {
        "client_id": "fanloop-client",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "user-library-modify",
        "state": "s1",
        "code_challenge_method": "S256",
        "code_challenge": CHALLENGE,
        **params,
    }
    return f"{base}/spotify/accounts/authorize?{urlencode(query)}"


def _setup(admin: AdminClient) -> None:
    spotify_app(admin)
    admin.user(platform="spotify", id="fan1", email="fan@example.org")


def _token(http: httpx.Client, **data: str) -> httpx.Response:
    return http.post("/spotify/accounts/api/token", data=data)


def test_it_shows_an_error_page_for_an_unknown_client(admin, http, emulator_url):
    _setup(admin)
    r = http.get(_authorize(emulator_url, client_id="nope"))
    assert r.status_code == 400 and "INVALID_CLIENT: Invalid client" in r.text


def test_it_refuses_a_redirect_uri_that_is_not_allow_listed(admin, http, emulator_url):
    _setup(admin)
    r = http.get(_authorize(emulator_url, redirect_uri="https://evil.example/cb"))
    assert r.status_code == 400 and "Invalid redirect URI" in r.text
    assert "location" not in r.headers


def test_it_refuses_insecure_redirect_uris_at_registration_and_at_authorize(
    admin, http, emulator_url
):
    """Spotify's rules: https, or plain http only for the loopback IP literals; no localhost."""
    for uri in (
        "http://localhost:8000/cb",
        "https://localhost/cb",
        "http://fans.example.org/cb",
        "http://testserver/cb",
    ):
        r = http.post(
            "/_emulator/apps",
            json={"platform": "spotify", "client_id": "c", "redirect_uris": [uri]},
        )
        assert r.status_code == 400 and "refused" in r.json()["error"], uri
    for uri in ("http://127.0.0.1:8000/cb", "http://[::1]:8000/cb", "https://fans.example.org/cb"):
        ok = http.post(
            "/_emulator/apps",
            json={"platform": "spotify", "client_id": "c", "redirect_uris": [uri]},
        )
        assert ok.status_code == 201, uri
    # Deezer has no such rule.
    assert admin.app(platform="deezer", client_id="d", redirect_uris=["http://testserver/cb"])
    _setup(admin)
    r = http.get(_authorize(emulator_url, redirect_uri="http://localhost:9/callback"))
    assert r.status_code == 400 and "INVALID_CLIENT: Insecure redirect URI" in r.text


def test_it_accepts_any_port_for_a_loopback_uri_registered_without_one(admin, emulator_url):
    spotify_app(admin, redirect_uris=["http://127.0.0.1/callback"])
    admin.user(platform="spotify", id="fan1", email="fan@example.org")
    url = _authorize(emulator_url, redirect_uri="http://127.0.0.1:53682/callback")
    with httpx.Client() as browser:
        assert "code" in consent(browser, url, "fan@example.org")
    other_host = _authorize(emulator_url, redirect_uri="http://127.0.0.2:53682/callback")
    assert httpx.get(other_host).status_code == 400


def test_it_redirects_access_denied_with_state_when_the_user_cancels(admin, emulator_url):
    _setup(admin)
    with httpx.Client() as browser:
        answer = consent(browser, _authorize(emulator_url), "fan@example.org", agree=False)
    assert answer == {"error": ["access_denied"], "state": ["s1"]}


def test_it_rejects_unknown_scopes_and_plain_pkce(admin, http, emulator_url):
    _setup(admin)
    r = http.get(_authorize(emulator_url, scope="user-library-modify bogus-scope"))
    assert r.status_code == 303 and "error=invalid_scope" in r.headers["location"]
    r = http.get(_authorize(emulator_url, code_challenge_method="plain"))
    assert "error=invalid_request" in r.headers["location"]
    r = http.get(_authorize(emulator_url, response_type="token"))
    assert "error=unsupported_response_type" in r.headers["location"]


def test_it_rejects_a_wrong_code_verifier_and_a_reused_code(admin, http, emulator_url):
    _setup(admin)
    with httpx.Client() as browser:
        code = consent(browser, _authorize(emulator_url), "fan@example.org")["code"][0]
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "fanloop-client",
    }
    r = _token(http, **base, code_verifier="w" * 64)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = _token(http, **base, code_verifier=VERIFIER)
    assert r.status_code == 200 and r.json()["scope"] == "user-library-modify"
    r = _token(http, **base, code_verifier=VERIFIER)
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid authorization code",
    }


def test_it_forgets_an_expired_code(admin, http, emulator_url):
    _setup(admin)
    admin.clock(set="2026-01-01T00:00:00Z", freeze=True)
    with httpx.Client() as browser:
        code = consent(browser, _authorize(emulator_url), "fan@example.org")["code"][0]
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "fanloop-client",
        "code_verifier": VERIFIER,
    }
    admin.clock(advance=601)
    r = _token(http, **base)
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_grant",
        "error_description": "Authorization code expired",
    }
    r = _token(http, **base)
    assert r.status_code == 400 and r.json()["error_description"] == "Invalid authorization code"


def test_it_rejects_a_wrong_client_secret(admin, http, emulator_url):
    _setup(admin)
    url = _authorize(emulator_url, code_challenge="", code_challenge_method="")
    url = url.replace("&code_challenge_method=&code_challenge=", "")
    with httpx.Client() as browser:
        code = consent(browser, url, "fan@example.org")["code"][0]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    r = http.post("/spotify/accounts/api/token", data=data, auth=("fanloop-client", "wrong"))
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_client",
        "error_description": "Invalid client secret",
    }
    # Without PKCE, the secret is mandatory.
    r = _token(http, **data, client_id="fanloop-client")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    r = http.post(
        "/spotify/accounts/api/token", data=data, auth=("fanloop-client", "fanloop-secret")
    )
    assert r.status_code == 200 and r.json()["refresh_token"]


def test_it_rejects_a_redirect_uri_that_differs_from_the_authorize_one(admin, http, emulator_url):
    _setup(admin)
    with httpx.Client() as browser:
        code = consent(browser, _authorize(emulator_url), "fan@example.org")["code"][0]
    r = _token(
        http,
        grant_type="authorization_code",
        code=code,
        client_id="fanloop-client",
        redirect_uri=REDIRECT + "x",
        code_verifier=VERIFIER,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_it_answers_a_missing_grant_type_and_unknown_refresh_token(admin, http):
    _setup(admin)
    r = _token(http, client_id="fanloop-client")
    assert r.json()["error"] == "unsupported_grant_type"
    r = _token(http, grant_type="refresh_token", refresh_token="nope", client_id="fanloop-client")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_it_skips_consent_for_already_granted_scopes_unless_show_dialog(admin, emulator_url):
    _setup(admin)
    with httpx.Client() as browser:
        consent(browser, _authorize(emulator_url), "fan@example.org")
        r = browser.get(_authorize(emulator_url))
        assert r.status_code == 303 and "code=" in r.headers["location"]
        r = browser.get(_authorize(emulator_url, show_dialog="true"))
        assert r.status_code == 200 and "auth-accept" in r.text


def test_it_issues_client_credentials_tokens_for_catalog_calls(admin, http):
    _setup(admin)
    r = http.post(
        "/spotify/accounts/api/token",
        data={"grant_type": "client_credentials"},
        auth=("fanloop-client", "fanloop-secret"),
    )
    token = r.json()["access_token"]
    assert "refresh_token" not in r.json()
    r = http.get("/spotify/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
