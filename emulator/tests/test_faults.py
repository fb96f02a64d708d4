"""Fault injection: seeded and deterministic 5xx shares, latency, hangs and revoked users."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import bearer, spotify_app, spotify_token


def _statuses(http: httpx.Client, fan: dict[str, str], n: int = 60) -> list[int]:
    return [http.get("/spotify/v1/me", headers=fan).status_code for _ in range(n)]


def test_it_injects_the_same_errors_for_the_same_seed(admin, http):
    spotify_app(admin)
    fan = bearer(spotify_token(admin)["access_token"])
    rates = {"500": 0.2, "502": 0.1, "503": 0.1}
    admin.faults(seed=3, error_rate=rates)
    first = _statuses(http, fan)
    admin.faults(seed=3, error_rate=rates)
    assert _statuses(http, fan) == first
    assert {500, 502, 503, 200} <= set(first)
    assert 0.2 < first.count(200) / len(first) < 0.9
    r = next(
        r
        for r in (http.get("/spotify/v1/me", headers=fan) for _ in range(50))
        if r.status_code == 502
    )
    assert r.json() == {"error": {"status": 502, "message": "Bad gateway"}}
    admin.faults(seed=4, error_rate=rates)
    assert _statuses(http, fan) != first
    assert admin.stats()["faults_injected"]


def test_it_scopes_faults_to_platforms(admin, http):
    spotify_app(admin)
    fan = bearer(spotify_token(admin)["access_token"])
    admin.faults(error_rate={"503": 1.0}, platforms=["deezer"])
    assert set(_statuses(http, fan, 10)) == {200}
    assert http.get("/deezer/api/album/1").status_code == 503


def test_it_adds_latency(admin, http):
    spotify_app(admin)
    fan = bearer(spotify_token(admin)["access_token"])
    admin.faults(latency_ms={"distribution": "fixed", "value": 150})
    start = time.monotonic()
    assert http.get("/spotify/v1/me", headers=fan).status_code == 200
    assert time.monotonic() - start >= 0.15


def test_it_hangs_longer_than_the_client_timeout(admin, emulator_url):
    spotify_app(admin)
    fan = bearer(spotify_token(admin)["access_token"])
    admin.faults(hang_rate=1.0, hang_s=2)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{emulator_url}/spotify/v1/me", headers=fan, timeout=0.5)
    r = httpx.get(f"{emulator_url}/spotify/v1/me", headers=fan, timeout=5)
    assert r.status_code == 504


def test_it_revokes_a_seeded_share_of_users(admin, http):
    spotify_app(admin)
    tokens = {f"u{i}": spotify_token(admin, user_id=f"u{i}") for i in range(40)}
    admin.faults(seed=11, revoked_user_share=0.25)
    revoked = {
        u
        for u, t in tokens.items()
        if http.get("/spotify/v1/me", headers=bearer(t["access_token"])).status_code == 401
    }
    assert 3 <= len(revoked) <= 20
    user = sorted(revoked)[0]
    r = http.post(
        "/spotify/accounts/api/token",
        auth=("fanloop-client", "fanloop-secret"),
        data={"grant_type": "refresh_token", "refresh_token": tokens[user]["refresh_token"]},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    admin.faults(seed=11, revoked_user_share=0.25)
    again = {
        u
        for u, t in tokens.items()
        if http.get("/spotify/v1/me", headers=bearer(t["access_token"])).status_code == 401
    }
    assert again == revoked
