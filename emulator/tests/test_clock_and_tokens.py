"""The clock drives token expiry: access tokens live 3600 s, refresh tokens six months from
the original authorization (refreshing does not extend them); revocation ends both."""

from __future__ import annotations

import httpx

from .conftest import bearer, spotify_app, spotify_token


def _refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    return http.post(
        "/spotify/accounts/api/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("fanloop-client", "fanloop-secret"),
    )


def test_it_sets_advances_and_freezes_the_clock(admin):
    now = admin.clock(set="2026-01-01T00:00:00Z", freeze=True)
    assert now["now"] == "2026-01-01T00:00:00Z" and now["mode"] == "frozen"
    assert admin.clock(advance=90)["now"] == "2026-01-01T00:01:30Z"
    running = admin.clock(mode="real", offset_s=-86400)
    assert running["mode"] == "real" and running["offset_s"] == -86400


def test_it_expires_access_tokens_after_an_hour(admin, http):
    spotify_app(admin)
    admin.clock(set="2026-03-01T12:00:00Z", freeze=True)
    tok = spotify_token(admin)
    admin.clock(advance=3599)
    assert http.get("/spotify/v1/me", headers=bearer(tok["access_token"])).status_code == 200
    admin.clock(advance=1)
    r = http.get("/spotify/v1/me", headers=bearer(tok["access_token"]))
    assert r.status_code == 401 and r.json()["error"]["message"] == "The access token expired"
    fresh = _refresh(http, tok["refresh_token"]).json()
    assert "refresh_token" not in fresh and fresh["expires_in"] == 3600
    assert http.get("/spotify/v1/me", headers=bearer(fresh["access_token"])).status_code == 200


def test_it_expires_refresh_tokens_six_months_after_authorization(admin, http):
    spotify_app(admin)
    admin.clock(set="2026-03-31T10:00:00Z", freeze=True)
    tok = spotify_token(admin)
    assert tok["refresh_expires_at"] == "2026-09-30T10:00:00Z"  # Sep has no 31st
    admin.clock(set="2026-09-30T09:59:00Z", freeze=True)
    assert _refresh(http, tok["refresh_token"]).status_code == 200
    admin.clock(advance=60)
    r = _refresh(http, tok["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_it_can_rotate_refresh_tokens(admin, http):
    spotify_app(admin)
    admin.config(refresh_token_rotation=True)
    tok = spotify_token(admin)
    fresh = _refresh(http, tok["refresh_token"]).json()
    assert fresh["refresh_token"] != tok["refresh_token"]
    assert _refresh(http, tok["refresh_token"]).status_code == 400


def test_it_revokes_tokens(admin, http):
    spotify_app(admin)
    tok = spotify_token(admin)
    assert admin.revoke(platform="spotify", user_id="fan1") == {"revoked": 1}
    assert http.get("/spotify/v1/me", headers=bearer(tok["access_token"])).status_code == 401
    r = _refresh(http, tok["refresh_token"])
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_grant",
        "error_description": "Refresh token revoked",
    }
