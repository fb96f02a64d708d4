"""Development-mode apps: five users at most, no legacy library endpoints, search limit 10."""

from __future__ import annotations

import httpx

from .conftest import REDIRECT, bearer, seed_catalog, spotify_app, spotify_token
from .forms import consent


def test_it_refuses_api_calls_of_a_sixth_user(admin, http):
    spotify_app(admin, mode="development")
    tokens = [spotify_token(admin, user_id=f"fan{i}")["access_token"] for i in range(6)]
    for tok in tokens[:5]:
        assert http.get("/spotify/v1/me", headers=bearer(tok)).status_code == 200
    r = http.get("/spotify/v1/me", headers=bearer(tokens[5]))
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "User not registered in the Developer Dashboard"
    apps = admin.http.get("/apps").json()["apps"]
    assert apps[0]["registered_users"] == [f"fan{i}" for i in range(5)]


def test_it_can_refuse_the_sixth_authorization_instead(admin, emulator_url):
    spotify_app(admin, mode="development", cap_enforcement="authorize", user_cap=1)
    for i in range(2):
        admin.user(platform="spotify", id=f"f{i}", email=f"f{i}@example.org")
    url = (
        f"{emulator_url}/spotify/accounts/authorize?client_id=fanloop-client&response_type=code"
        f"&redirect_uri={REDIRECT}&scope=user-library-read&state=z"
    )
    with httpx.Client() as browser:
        assert "code" in consent(browser, url, "f0@example.org")
    with httpx.Client() as browser:
        assert consent(browser, url, "f1@example.org") == {
            "error": ["access_denied"],
            "state": ["z"],
        }
    r = admin.http.post(
        "/tokens", json={"platform": "spotify", "user_id": "f1", "client_id": "fanloop-client"}
    )
    assert r.status_code == 403


def test_it_refuses_legacy_endpoints_in_development_mode_only(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin, mode="development")
    fan = bearer(spotify_token(admin)["access_token"])
    album = ids["released"]["spotify"]
    for method, path in [
        ("PUT", "/spotify/v1/me/albums"),
        ("PUT", "/spotify/v1/me/tracks"),
        ("GET", "/spotify/v1/me/albums/contains"),
    ]:
        r = http.request(method, path, params={"ids": album}, headers=fan)
        assert r.status_code == 403, path
    r = http.put("/spotify/v1/me/following", params={"type": "artist", "ids": album}, headers=fan)
    assert r.status_code == 403

    spotify_app(admin, client_id="extended-app", mode="extended")
    ext = bearer(spotify_token(admin, user_id="fan9", client_id="extended-app")["access_token"])
    assert http.put("/spotify/v1/me/albums", params={"ids": album}, headers=ext).status_code == 200
    r = http.get("/spotify/v1/me/albums/contains", params={"ids": album}, headers=ext)
    assert r.json() == [True]
    artist = ids["artist"]["spotify"]
    r = http.put("/spotify/v1/me/following", params={"type": "artist", "ids": artist}, headers=ext)
    assert r.status_code == 204
    r = http.get(
        "/spotify/v1/me/following/contains", params={"type": "artist", "ids": artist}, headers=ext
    )
    assert r.json() == [True]
    r = http.put(
        "/spotify/v1/me/tracks", json={"ids": [ids["released_tracks"][0]["spotify"]]}, headers=ext
    )
    assert r.status_code == 200


def test_it_caps_search_limit_at_10_in_development_mode(admin, http):
    seed_catalog(admin)
    spotify_app(admin, mode="development")
    fan = bearer(spotify_token(admin)["access_token"])
    r = http.get("/spotify/v1/search", params={"q": "LP", "type": "album"}, headers=fan)
    assert r.json()["albums"]["limit"] == 5
    r = http.get(
        "/spotify/v1/search", params={"q": "LP", "type": "album", "limit": 11}, headers=fan
    )
    assert r.status_code == 400
