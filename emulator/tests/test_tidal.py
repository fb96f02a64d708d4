"""TIDAL over HTTP: the OAuth 2.1 + PKCE flow through the login and consent pages, then the
JSON:API calls fanloop makes; every API answer validates against
shared/specs/tidal-api.openapi.json (openapi-core)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from .conftest import REDIRECT, seed_catalog
from .forms import consent

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "tidal-api.openapi.json"
JSONAPI = "application/vnd.api+json"
SCOPES = "collection.read collection.write user.read"


@cache
def _openapi():
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(SPEC))


def check(response: httpx.Response, method: str, path: str, query: dict[str, Any] | None = None):
    """Validate one emulator answer against the description's operation; return its JSON."""
    from openapi_core.testing import MockRequest, MockResponse

    request = MockRequest(
        "https://openapi.tidal.com", method.lower(), f"/v2{path}", args=query or {}
    )
    mock = MockResponse(
        response.content,
        status_code=response.status_code,
        content_type=response.headers["content-type"].split(";")[0],
        headers=dict(response.headers),
    )
    _openapi().validate_response(request, mock)
    return response.json()


@pytest.fixture
def world(admin):
    if not SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the TIDAL description is missing at {SPEC}")
        pytest.skip("shared/specs is not beside the repository")
    ids = seed_catalog(admin)
    admin.app(
        platform="tidal",
        client_id="tidal-client",
        client_secret="tidal-secret",
        redirect_uris=[REDIRECT],
        name="fanloop",
    )
    admin.user(platform="tidal", id="190000001", email="fan@example.org", country="DE")
    return ids


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize_url(base: str, challenge: str, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": "tidal-client",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-7",
        **extra,
    }
    return f"{base}/tidal/login/authorize?{urlencode(params)}"


def _connect(emulator_url: str) -> dict[str, Any]:
    verifier, challenge = _pkce()
    with httpx.Client() as browser:
        answer = consent(browser, _authorize_url(emulator_url, challenge), "fan@example.org")
    assert answer["state"] == ["st-7"]
    token = httpx.post(
        f"{emulator_url}/tidal/auth/v1/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "tidal-client",
            "code": answer["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    return dict(token.json())


def _api(emulator_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{emulator_url}/tidal/v2",
        headers={"Authorization": f"Bearer {token}", "Accept": JSONAPI},
        timeout=10,
    )


def _items(kind: str, *ids: str) -> dict[str, Any]:
    return {"data": [{"id": i, "type": kind} for i in ids]}


def _post(api: httpx.Client, path: str, body: dict[str, Any], key: str | None) -> httpx.Response:
    headers = {"Content-Type": JSONAPI}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.post(path, json=body, headers=headers)


def test_a_fan_connects_with_pkce_and_the_token_refreshes(world, emulator_url):
    token = _connect(emulator_url)
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    assert set(token["scope"].split()) == set(SCOPES.split())
    refreshed = httpx.post(
        f"{emulator_url}/tidal/auth/v1/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "tidal-client",
            "refresh_token": token["refresh_token"],
        },
    ).json()
    assert refreshed["access_token"] != token["access_token"]
    with _api(emulator_url, refreshed["access_token"]) as api:
        me = check(api.get("/users/me"), "GET", "/users/me")
    assert me["data"]["id"] == "190000001" and me["data"]["attributes"]["country"] == "DE"


def test_authorize_refuses_a_request_without_pkce_and_a_wrong_verifier(world, emulator_url):
    with httpx.Client() as browser:
        url = _authorize_url(emulator_url, "x", code_challenge_method="plain")
        answer = browser.get(url)
    assert answer.status_code == 303
    assert "error=invalid_request" in answer.headers["location"]
    _verifier, challenge = _pkce()
    with httpx.Client() as browser:
        code = consent(browser, _authorize_url(emulator_url, challenge), "fan@example.org")
    bad = httpx.post(
        f"{emulator_url}/tidal/auth/v1/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "tidal-client",
            "code": code["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": "not-the-verifier",
        },
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_lookups_by_barcode_and_isrc_hide_what_is_not_released(world, emulator_url):
    token = httpx.post(
        f"{emulator_url}/tidal/auth/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=("tidal-client", "tidal-secret"),
    ).json()["access_token"]
    with _api(emulator_url, token) as api:
        q = {"filter[barcodeId]": "00602445790012"}
        albums = check(api.get("/albums", params=q), "GET", "/albums", q)
        assert [a["id"] for a in albums["data"]] == [world["released"]["tidal"]]
        assert albums["data"][0]["attributes"]["barcodeId"] == "00602445790012"
        q = {"filter[barcodeId]": "00602445790029"}
        assert check(api.get("/albums", params=q), "GET", "/albums", q)["data"] == []
        q = {"filter[isrc]": "USLP12000002"}
        tracks = check(api.get("/tracks", params=q), "GET", "/tracks", q)
        assert [t["id"] for t in tracks["data"]] == [world["released_tracks"][1]["tidal"]]
        path = f"/artists/{world['artist']['tidal']}/relationships/albums"
        q = {"include": "albums", "countryCode": "DE"}
        listed = check(api.get(path, params=q), "GET", path, q)
        assert [a["id"] for a in listed["data"]] == [world["released"]["tidal"]]
        assert listed["included"][0]["attributes"]["releaseDate"] == "2020-01-10"
        # An app token reads the catalog, not a user.
        assert api.get("/users/me").status_code == 403


def test_saves_and_follows_with_idempotency_keys(world, emulator_url, admin):
    token = _connect(emulator_url)["access_token"]
    album, future = world["released"]["tidal"], world["future"]["tidal"]
    path = "/userCollectionAlbums/me/relationships/items"
    with _api(emulator_url, token) as api:
        first = _post(api, path, _items("albums", album, future), "k-1")
        doc = check(first, "POST", path)
        assert [i["id"] for i in doc["data"]] == [album]
        assert doc["meta"]["skipped"] == [{"id": future, "type": "albums", "reason": "NOT_FOUND"}]
        # The same key and payload: the first answer again; another payload: 422.
        assert _post(api, path, _items("albums", album, future), "k-1").content == first.content
        mismatch = _post(api, path, _items("albums", album), "k-1")
        assert mismatch.status_code == 422
        assert check(mismatch, "POST", path)["errors"][0]["code"] == (
            "IDEMPOTENT_REQUEST_PAYLOAD_MISMATCH"
        )
        again = check(_post(api, path, _items("albums", album), "k-2"), "POST", path)
        assert again["data"] == [] and again["meta"]["skipped"][0]["reason"] == "ALREADY_PRESENT"
        listed = check(api.get(path), "GET", path)
        assert [i["id"] for i in listed["data"]] == [album]
        artists = "/userCollectionArtists/me/relationships/items"
        followed = _post(api, artists, _items("artists", world["artist"]["tidal"]), "k-3")
        assert [i["id"] for i in check(followed, "POST", artists)["data"]] == [
            world["artist"]["tidal"]
        ]
        tracks = "/userCollectionTracks/me/relationships/items"
        track = world["released_tracks"][0]["tidal"]
        assert check(_post(api, tracks, _items("tracks", track), "k-4"), "POST", tracks)["data"]
        removed = api.request(
            "DELETE",
            tracks,
            json=_items("tracks", track),
            headers={"Content-Type": JSONAPI, "Idempotency-Key": "k-5"},
        )
        check(removed, "DELETE", tracks)
        assert check(api.get(tracks), "GET", tracks)["data"] == []
    library = admin.library("tidal", "190000001")
    assert [e["type"] for e in library["saved"]] == ["album"]
    assert [e["catalog_key"] for e in library["follows"]] == ["band"]


def test_collection_pages_follow_the_cursor(world, emulator_url, admin):
    albums = [
        {"key": f"a{n}", "name": f"LP {n}", "upc": f"1234567890{n:03d}", "artists": ["band"]}
        for n in range(25)
    ]
    out = admin.catalog(artists=[], albums=albums)
    token = _connect(emulator_url)["access_token"]
    path = "/userCollectionAlbums/me/relationships/items"
    ids = [a["ids"]["tidal"] for a in out["albums"]]
    with _api(emulator_url, token) as api:
        check(_post(api, path, _items("albums", *ids), None), "POST", path)
        first = check(api.get(path), "GET", path)
        assert len(first["data"]) == 20
        cursor = first["links"]["meta"]["nextCursor"]
        q = {"page[cursor]": cursor}
        second = check(api.get(path, params=q), "GET", path, q)
        assert "next" not in second["links"]
    assert {i["id"] for i in first["data"] + second["data"]} == set(ids)


def test_refusals_are_json_api_errors(world, emulator_url, admin):
    token = _connect(emulator_url)["access_token"]
    path = "/userCollectionAlbums/me/relationships/items"
    album = world["released"]["tidal"]
    with _api(emulator_url, token) as api:
        wrong_type = api.post(path, json=_items("albums", album))  # application/json
        assert wrong_type.status_code == 415
        check(wrong_type, "POST", path)
        empty = _post(api, path, {"data": []}, None)
        assert empty.status_code == 400
        check(empty, "POST", path)
        other = "/userCollectionAlbums/190000099/relationships/items"
        assert api.get(other).status_code == 403
    with _api(emulator_url, "not-a-token") as api:
        assert api.get("/users/me").status_code == 401


def test_over_the_rate_limit_answers_429_with_retry_after(world, emulator_url, admin):
    admin.app(
        platform="tidal",
        client_id="tidal-client",
        client_secret="tidal-secret",
        redirect_uris=[REDIRECT],
        rate_limit={"limit": 1, "window_s": 30},
    )
    token = _connect(emulator_url)["access_token"]
    with _api(emulator_url, token) as api:
        assert api.get("/users/me").status_code == 200
        limited = api.get("/users/me")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        check(limited, "GET", "/users/me")
