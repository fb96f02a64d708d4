"""Spotify Web API bad input: missing, too many or malformed URIs, wrong methods, bad tokens."""

from __future__ import annotations

import pytest

from .conftest import bearer, seed_catalog, spotify_app, spotify_token


@pytest.fixture
def fan(admin):
    seed_catalog(admin)
    spotify_app(admin)
    return bearer(spotify_token(admin)["access_token"])


def test_it_requires_the_uris_parameter(http, fan):
    r = http.put("/spotify/v1/me/library", headers=fan)
    assert r.status_code == 400
    assert r.json()["error"] == {"status": 400, "message": "Missing required field: uris"}


def test_it_refuses_more_than_40_uris(http, fan):
    uris = ",".join(f"spotify:track:{i:022d}" for i in range(41))
    r = http.put("/spotify/v1/me/library", params={"uris": uris}, headers=fan)
    assert r.status_code == 400 and r.json()["error"]["message"] == "Too many ids requested"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("spotify:album:tooshort", "Invalid base62 id"),
        ("spotify:album:" + "!" * 22, "Invalid base62 id"),
        ("album:" + "a" * 22, "Invalid URI: album:" + "a" * 22),
        ("spotify:planet:" + "a" * 22, "Unsupported URI type: planet"),
    ],
)
def test_it_refuses_malformed_uris(http, fan, uri, message):
    r = http.put("/spotify/v1/me/library", params={"uris": uri}, headers=fan)
    assert r.status_code == 400 and r.json()["error"]["message"] == message


def test_it_answers_404_for_a_well_formed_unknown_album(http, fan):
    r = http.put(
        "/spotify/v1/me/library", params={"uris": "spotify:album:" + "A" * 22}, headers=fan
    )
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "message": "non existing id"}}


def test_it_answers_405_for_a_wrong_method_and_404_for_an_unknown_path(http, fan):
    r = http.post("/spotify/v1/me/library", headers=fan)
    assert r.status_code == 405 and r.json()["error"]["status"] == 405
    r = http.get("/spotify/v1/no/such/thing", headers=fan)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Service not found"


def test_it_refuses_missing_and_bad_tokens(http, fan):
    r = http.get("/spotify/v1/me")
    assert r.status_code == 401 and r.json()["error"]["message"] == "No token provided"
    r = http.get("/spotify/v1/me", headers=bearer("not-a-token"))
    assert r.status_code == 401 and r.json()["error"]["message"] == "Invalid access token"
    r = http.get("/spotify/v1/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_it_refuses_a_malformed_album_id_in_the_path(http, fan):
    r = http.get("/spotify/v1/albums/not-base62", headers=fan)
    assert r.status_code == 400 and r.json()["error"]["message"] == "Invalid base62 id"


def test_it_validates_search_parameters(http, fan):
    assert http.get("/spotify/v1/search", params={"type": "album"}, headers=fan).status_code == 400
    r = http.get("/spotify/v1/search", params={"q": "x", "type": "planet"}, headers=fan)
    assert r.json()["error"]["message"] == "Bad search type field"
    r = http.get("/spotify/v1/search", params={"q": "x", "type": "album", "limit": 51}, headers=fan)
    assert r.json()["error"]["message"] == "Invalid limit"


def test_it_saves_removes_and_reports_contains(http, admin, fan):
    ids = seed_catalog(admin)
    album, track = ids["released"]["spotify"], ids["released_tracks"][0]["spotify"]
    uris = f"spotify:album:{album},spotify:track:{track}"
    r = http.put("/spotify/v1/me/library", params={"uris": uris}, headers=fan)
    assert r.status_code == 200 and r.json() == {}
    r = http.get("/spotify/v1/me/library/contains", params={"uris": uris}, headers=fan)
    assert r.json() == [True, True]
    http.delete("/spotify/v1/me/library", params={"uris": uris.split(",")[0]}, headers=fan)
    r = http.get("/spotify/v1/me/library/contains", params={"uris": uris}, headers=fan)
    assert r.json() == [False, True]
