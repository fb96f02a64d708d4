"""Release timing: items are invisible before local midnight in the caller's market, or before
one global instant; Spotify 404 / absent from search, Deezer code 800, Apple empty data."""

from __future__ import annotations

import pytest

from .conftest import bearer, seed_catalog, spotify_app, spotify_token

# 2026-09-11T23:30Z: already Sep 12 in Tokyo (UTC+9), still Sep 11 in New York (UTC-4).
BETWEEN = "2026-09-11T23:30:00Z"


@pytest.fixture
def local_release(admin):
    ids = seed_catalog(admin, release_date="2026-09-12")
    spotify_app(admin)
    admin.clock(set=BETWEEN, freeze=True)
    return ids


def test_it_shows_an_album_per_market_at_local_midnight(admin, http, local_release):
    album = local_release["future"]["spotify"]
    jp = bearer(spotify_token(admin, user_id="jp", country="JP")["access_token"])
    us = bearer(spotify_token(admin, user_id="us", country="US", expires_in=86400)["access_token"])
    assert http.get(f"/spotify/v1/albums/{album}", headers=jp).status_code == 200
    r = http.get(f"/spotify/v1/albums/{album}", headers=us)
    assert r.status_code == 404 and r.json()["error"]["message"] == "non existing id"
    q = {"q": "upc:00602445790029", "type": "album"}
    assert http.get("/spotify/v1/search", params=q, headers=jp).json()["albums"]["total"] == 1
    assert http.get("/spotify/v1/search", params=q, headers=us).json()["albums"]["total"] == 0
    # New York's midnight comes four hours later.
    admin.clock(advance=4 * 3600 + 31 * 60)  # 04:01Z = NY midnight
    assert http.get(f"/spotify/v1/albums/{album}", headers=us).status_code == 200


def test_it_uses_the_market_parameter_for_calls_without_a_user(admin, http, local_release):
    r = http.post(
        "/spotify/accounts/api/token",
        data={"grant_type": "client_credentials"},
        auth=("fanloop-client", "fanloop-secret"),
    )
    app_only = bearer(r.json()["access_token"])
    album = local_release["future"]["spotify"]
    r = http.get(f"/spotify/v1/albums/{album}", params={"market": "JP"}, headers=app_only)
    assert r.status_code == 200
    r = http.get(f"/spotify/v1/albums/{album}", params={"market": "US"}, headers=app_only)
    assert r.status_code == 404


def test_it_refuses_saving_an_unreleased_album(admin, http, local_release):
    us = bearer(spotify_token(admin, user_id="us", country="US")["access_token"])
    uri = f"spotify:album:{local_release['future']['spotify']}"
    assert http.put("/spotify/v1/me/library", params={"uris": uri}, headers=us).status_code == 404
    admin.config(library_unknown_ids="ignore")
    assert http.put("/spotify/v1/me/library", params={"uris": uri}, headers=us).status_code == 200


def test_it_honours_one_global_release_instant(admin, http):
    seed_catalog(admin, release_at="2026-09-12T04:00:00Z", release_date=None)
    spotify_app(admin)
    jp = bearer(spotify_token(admin, user_id="jp", country="JP")["access_token"])
    admin.clock(set="2026-09-12T03:59:00Z", freeze=True)
    q = {"q": "upc:00602445790029", "type": "album"}
    assert http.get("/spotify/v1/search", params=q, headers=jp).json()["albums"]["total"] == 0
    admin.clock(advance=60)
    assert http.get("/spotify/v1/search", params=q, headers=jp).json()["albums"]["total"] == 1


def test_it_hides_unreleased_items_on_deezer_and_apple(admin, http, local_release):
    r = http.get("/deezer/api/album/upc:00602445790029")  # default market US: not yet
    assert r.status_code == 200 and r.json()["error"]["code"] == 800
    admin.app(platform="apple", client_id="apple-app", team_id="TEAM123456", key_id="KEY1234567")
    dev = bearer(admin.apple_developer_token("apple-app"))
    r = http.get(
        "/apple/v1/catalog/us/albums", params={"filter[upc]": "00602445790029"}, headers=dev
    )
    assert r.json() == {"data": []}
    r = http.get(
        "/apple/v1/catalog/jp/albums", params={"filter[upc]": "00602445790029"}, headers=dev
    )
    assert len(r.json()["data"]) == 1
    r = http.get(f"/apple/v1/catalog/us/albums/{local_release['future']['apple']}", headers=dev)
    assert r.status_code == 404 and r.json()["errors"][0]["status"] == "404"
