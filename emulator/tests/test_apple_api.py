"""Apple Music API in its documented shapes: ES256 developer tokens checked against the
configured key, Music-User-Token, add-to-library 202, library reads, UPC / ISRC lookups."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import bearer, seed_catalog


@pytest.fixture
def apple(admin):
    ids = seed_catalog(admin)
    app = admin.app(
        platform="apple",
        client_id="apple-app",
        team_id="TEAM123456",
        key_id="KEY1234567",
        name="fanloop",
    )
    admin.user(platform="apple", id="ap1", email="ap@example.org", country="GB")
    user_token = admin.token(platform="apple", user_id="ap1", client_id="apple-app")
    dev = admin.apple_developer_token("apple-app")
    headers = {**bearer(dev), "Music-User-Token": user_token["music_user_token"]}
    return {"ids": ids, "app": app, "dev": dev, "headers": headers}


def test_it_adds_albums_to_the_library_and_reads_them_back(apple, http, admin):
    album = apple["ids"]["released"]["apple"]
    future = apple["ids"]["future"]["apple"]
    song = apple["ids"]["released_tracks"][0]["apple"]
    r = http.post(
        "/apple/v1/me/library",
        params={"ids[albums]": f"{album},{future},999", "ids[songs]": song},
        headers=apple["headers"],
    )
    assert r.status_code == 202 and r.content == b""
    albums = http.get("/apple/v1/me/library/albums", headers=apple["headers"]).json()
    assert [a["attributes"]["playParams"]["catalogId"] for a in albums["data"]] == [album]
    assert albums["data"][0]["type"] == "library-albums"
    songs = http.get("/apple/v1/me/library/songs", headers=apple["headers"]).json()
    assert songs["meta"]["total"] == 1
    # Unknown and unreleased ids were silently ignored.
    assert [e["id"] for e in admin.library("apple", "ap1")["saved"]] == [album, song]
    r = http.get("/apple/v1/me/storefront", headers=apple["headers"])
    assert r.json()["data"][0]["id"] == "gb"


def test_it_looks_up_albums_by_upc_and_songs_by_isrc(apple, http):
    dev = bearer(apple["dev"])
    r = http.get(
        "/apple/v1/catalog/gb/albums", params={"filter[upc]": "00602445790012"}, headers=dev
    )
    data = r.json()["data"]
    assert data[0]["id"] == apple["ids"]["released"]["apple"]
    assert data[0]["attributes"]["upc"] == "00602445790012"
    r = http.get("/apple/v1/catalog/gb/songs", params={"filter[isrc]": "USLP12000001"}, headers=dev)
    assert r.json()["data"][0]["attributes"]["name"] == "First Song"
    r = http.get("/apple/v1/catalog/gb/albums", params={"filter[upc]": "000"}, headers=dev)
    assert r.json() == {"data": []}
    r = http.get("/apple/v1/catalog/zz/albums", params={"filter[upc]": "000"}, headers=dev)
    assert r.status_code == 400 and r.json()["errors"][0]["status"] == "400"


def _sign(
    key_pem: str,
    kid: str = "KEY1234567",
    iss: str = "TEAM123456",
    ttl: int = 3600,
    alg: str = "ES256",
) -> str:
    now = int(time.time())
    return jwt.encode(
        {"iss": iss, "iat": now, "exp": now + ttl}, key_pem, algorithm=alg, headers={"kid": kid}
    )


def test_it_verifies_the_developer_token(apple, http):
    private = apple["app"]["private_key"]
    ok = http.get(
        "/apple/v1/catalog/gb/songs", params={"filter[isrc]": "x"}, headers=bearer(_sign(private))
    )
    assert ok.status_code == 200
    other = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    for token in [
        _sign(other),  # wrong key
        _sign(private, kid="OTHERKEY00"),
        _sign(private, iss="WRONGTEAM0"),
        _sign(private, ttl=200 * 86400),  # over six months
        _sign(private, ttl=-10),  # expired
        "not.a.jwt",
    ]:
        r = http.get(
            "/apple/v1/catalog/gb/songs", params={"filter[isrc]": "x"}, headers=bearer(token)
        )
        assert r.status_code == 401, token
        err = r.json()["errors"][0]
        assert err["status"] == "401" and set(err) == {"id", "title", "detail", "status", "code"}


def test_it_refuses_a_bad_music_user_token(apple, http, admin):
    headers = {**bearer(apple["dev"]), "Music-User-Token": "nope"}
    r = http.post("/apple/v1/me/library", params={"ids[albums]": "1"}, headers=headers)
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "40300"
    admin.revoke(platform="apple", user_id="ap1")
    r = http.get("/apple/v1/me/library/albums", headers=apple["headers"])
    assert r.status_code == 403
    r = http.post("/apple/v1/me/library", headers=apple["headers"])
    assert r.status_code == 403
