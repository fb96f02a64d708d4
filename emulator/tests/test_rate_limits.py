"""Per-app rolling-window rate limits: Spotify 429 + Retry-After, Deezer code 4 with HTTP 200."""

from __future__ import annotations

import time

from .conftest import bearer, spotify_app, spotify_token


def test_it_answers_429_with_retry_after_over_the_spotify_window(admin, http):
    spotify_app(admin, rate_limit={"limit": 3, "window_s": 2})
    fan = bearer(spotify_token(admin)["access_token"])
    other_user = bearer(spotify_token(admin, user_id="fan2")["access_token"])
    for _ in range(3):
        assert http.get("/spotify/v1/me", headers=fan).status_code == 200
    r = http.get("/spotify/v1/me", headers=other_user)  # same app: same budget
    assert r.status_code == 429
    assert r.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
    assert 1 <= int(r.headers["retry-after"]) <= 2
    stats = admin.stats()
    assert stats["rate_limited"] == 1
    usage = stats["window_usage"]["spotify:fanloop-client"]
    assert usage == {"used": 3, "limit": 3, "window_s": 2.0, "rejected": 1}
    time.sleep(int(r.headers["retry-after"]) + 0.1)
    assert http.get("/spotify/v1/me", headers=fan).status_code == 200


def test_it_keeps_separate_budgets_per_app(admin, http):
    spotify_app(admin, rate_limit={"limit": 1, "window_s": 30})
    spotify_app(admin, client_id="second", rate_limit={"limit": 1, "window_s": 30})
    a = bearer(spotify_token(admin)["access_token"])
    b = bearer(spotify_token(admin, user_id="x", client_id="second")["access_token"])
    assert http.get("/spotify/v1/me", headers=a).status_code == 200
    assert http.get("/spotify/v1/me", headers=b).status_code == 200
    assert http.get("/spotify/v1/me", headers=a).status_code == 429


def test_it_answers_deezer_quota_with_code_4_by_default_after_50_in_5s(admin, http):
    admin.app(platform="deezer", client_id="123", client_secret="s", redirect_uris=["http://x"])
    admin.user(platform="deezer", id="42")
    token = admin.token(platform="deezer", user_id="42", client_id="123")["access_token"]
    answers = [http.get("/deezer/api/user/me", params={"access_token": token}) for _ in range(51)]
    assert all("error" not in r.json() for r in answers[:50])
    assert answers[50].status_code == 200
    assert answers[50].json() == {
        "error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}
    }
