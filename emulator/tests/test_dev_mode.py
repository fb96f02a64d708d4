"""Development-mode apps: only the owner and allow-listed emails (five accounts at most), no
legacy library endpoints, search limit 10."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import spotipy

from emulator.testing import AdminClient

from .conftest import REDIRECT, bearer, seed_catalog, spotify_app, spotify_token
from .forms import consent

NOT_REGISTERED = "User not registered in the Developer Dashboard"


def _allow_list(admin: AdminClient, client_id: str = "fanloop-client") -> Any:
    return admin.http.get(f"/apps/spotify/{client_id}/users").json()


def test_it_serves_only_the_owner_and_the_allow_listed_emails(admin, http):
    spotify_app(admin, mode="development", owner="Owner@example.org", users=["fan0@example.org"])
    for name in ("owner", "fan0", "fan1"):
        admin.user(platform="spotify", id=name, email=f"{name}@example.org")
    tokens = {
        name: spotify_token(admin, user_id=name)["access_token"]
        for name in ("owner", "fan0", "fan1")
    }
    assert http.get("/spotify/v1/me", headers=bearer(tokens["owner"])).status_code == 200
    assert http.get("/spotify/v1/me", headers=bearer(tokens["fan0"])).status_code == 200
    for path in ("/spotify/v1/me", "/spotify/v1/search?q=x&type=album"):
        r = http.get(path, headers=bearer(tokens["fan1"]))
        assert r.status_code == 403
        assert r.text == NOT_REGISTERED and r.headers["content-type"].startswith("text/plain")
    r = http.put(
        "/spotify/v1/me/library", params={"uris": "spotify:album:" + "A" * 22},
        headers=bearer(tokens["fan1"]),
    )  # fmt: skip
    assert r.status_code == 403 and r.text == NOT_REGISTERED


def test_it_keeps_the_allow_list_through_the_admin_api(admin, http):
    spotify_app(admin, mode="development", owner="owner@example.org")
    admin.user(platform="spotify", id="fan1", email="fan1@example.org")
    token = bearer(spotify_token(admin, user_id="fan1")["access_token"])
    assert http.get("/spotify/v1/me", headers=token).status_code == 403
    users = "/_emulator/apps/spotify/fanloop-client/users"
    r = http.post(users, json={"email": "FAN1@example.org"})
    assert r.status_code == 201
    assert r.json() == {"owner": "owner@example.org", "users": ["fan1@example.org"]}
    # The same token works at once: the allow-list is checked on every call.
    assert http.get("/spotify/v1/me", headers=token).status_code == 200
    for n in (2, 3, 4):
        assert http.post(users, json={"email": f"fan{n}@example.org"}).status_code == 201
    r = http.post(users, json={"email": "fan5@example.org"})  # owner + 4 = five accounts
    assert r.status_code == 400 and "at most 5" in r.json()["error"]
    assert http.post(users, json={"email": "not-an-email"}).status_code == 400
    assert http.delete(f"{users}/fan1@example.org").status_code == 200
    assert http.delete(f"{users}/fan1@example.org").status_code == 404
    assert _allow_list(admin)["users"] == [f"fan{n}@example.org" for n in (2, 3, 4)]
    assert http.get("/spotify/v1/me", headers=token).status_code == 403
    assert http.get("/_emulator/apps/spotify/ghost/users").status_code == 404
    admin.app(platform="deezer", client_id="1", client_secret="s")
    assert http.post("/_emulator/apps/deezer/1/users", json={"email": "a@b.c"}).status_code == 400


def test_it_refuses_an_app_created_with_more_than_five_accounts(admin, http):
    r = http.post(
        "/_emulator/apps",
        json={
            "platform": "spotify", "client_id": "c", "redirect_uris": [REDIRECT],
            "mode": "development", "users": [f"f{n}@example.org" for n in range(6)],
        },
    )  # fmt: skip
    assert r.status_code == 400


def test_a_fan_off_the_allow_list_passes_consent_then_gets_403(admin, emulator_url, http):
    """The consent page does not know the allow-list: the fan agrees, the code becomes a token,
    and only the Web API refuses."""
    spotify_app(admin, mode="development", users=["tester@example.org"])
    admin.user(platform="spotify", id="fan9", email="fan9@example.org")
    url = (
        f"{emulator_url}/spotify/accounts/authorize?client_id=fanloop-client&response_type=code"
        f"&redirect_uri={REDIRECT}&scope=user-library-read&state=z"
    )
    with httpx.Client() as browser:
        answer = consent(browser, url, "fan9@example.org")
    r = http.post(
        "/spotify/accounts/api/token",
        data={
            "grant_type": "authorization_code", "code": answer["code"][0],
            "redirect_uri": REDIRECT, "client_id": "fanloop-client",
            "client_secret": "fanloop-secret",
        },
    )  # fmt: skip
    assert r.status_code == 200
    me = http.get("/spotify/v1/me", headers=bearer(r.json()["access_token"]))
    assert me.status_code == 403 and me.text == NOT_REGISTERED
    # Extended-mode apps have no allow-list.
    spotify_app(admin, mode="extended")
    assert http.get("/spotify/v1/me", headers=bearer(r.json()["access_token"])).status_code == 200


def test_it_refuses_legacy_endpoints_in_development_mode_only(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin, mode="development", users=["fan1@users.emulator.test"])
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
    spotify_app(admin, mode="development", users=["fan1@users.emulator.test"])
    fan = bearer(spotify_token(admin)["access_token"])
    r = http.get("/spotify/v1/search", params={"q": "LP", "type": "album"}, headers=fan)
    assert r.json()["albums"]["limit"] == 5
    r = http.get(
        "/spotify/v1/search", params={"q": "LP", "type": "album", "limit": 11}, headers=fan
    )
    assert r.status_code == 400


def test_spotipy_sees_the_allow_list_403_and_then_a_200(admin, emulator_url):
    spotify_app(admin, mode="development")
    token = spotify_token(admin, user_id="fan1")["access_token"]
    sp = spotipy.Spotify(auth=token, retries=0)
    sp.prefix = f"{emulator_url}/spotify/v1/"
    with pytest.raises(spotipy.SpotifyException) as refused:
        sp.current_user()
    assert refused.value.http_status == 403
    assert NOT_REGISTERED in str(refused.value)
    admin.allow("fanloop-client", "fan1@users.emulator.test")
    assert sp.current_user()["id"] == "fan1"
