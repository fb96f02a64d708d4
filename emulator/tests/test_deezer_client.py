"""deezer-python, unchanged but for base_url: connect flow, library writes and reads, UPC and
ISRC lookups, and Deezer's HTTP-200 error codes."""

from __future__ import annotations

from urllib.parse import urlencode

import deezer
import httpx
import pytest

from .conftest import seed_catalog
from .forms import consent

CALLBACK = "http://127.0.0.1:9/deezer-callback"


@pytest.fixture
def deezer_app(admin):
    admin.app(
        platform="deezer",
        client_id="555",
        client_secret="deezer-secret",
        redirect_uris=[CALLBACK],
        rate_limit={"limit": 1000, "window_s": 5},
    )
    admin.user(platform="deezer", id="9001", email="dz@example.org", name="Dee Zer", country="FR")
    return seed_catalog(admin)


def _client(base: str, token: str | None = None) -> deezer.Client:
    client = deezer.Client(access_token=token)
    client.base_url = f"{base}/deezer/api"
    return client


def _connect(emulator_url, perms: str) -> httpx.Response:
    q = urlencode({"app_id": "555", "redirect_uri": CALLBACK, "perms": perms, "state": "k"})
    with httpx.Client() as browser:
        answer = consent(browser, f"{emulator_url}/deezer/oauth/auth.php?{q}", "dz@example.org")
    assert answer["state"] == ["k"]
    return httpx.get(
        f"{emulator_url}/deezer/oauth/access_token.php",
        params={
            "app_id": "555",
            "secret": "deezer-secret",
            "code": answer["code"][0],
            "output": "json",
        },
    )


def test_it_runs_connect_and_library_calls_with_deezer_python(deezer_app, emulator_url):
    r = _connect(emulator_url, "basic_access,email,offline_access,manage_library,delete_library")
    token = r.json()["access_token"]
    assert r.json()["expires"] == 0  # offline_access: never expires
    client = _client(emulator_url, token)
    me = client.get_user("me")
    assert (me.id, me.email, me.country) == (9001, "dz@example.org", "FR")
    album_id = int(deezer_app["released"]["deezer"])
    track_id = int(deezer_app["released_tracks"][0]["deezer"])
    artist_id = int(deezer_app["artist"]["deezer"])
    assert client.add_user_album(album_id) is True
    assert client.add_user_track(track_id) is True
    assert client.add_user_artist(artist_id) is True
    assert [a.id for a in client.get_user_albums()] == [album_id]
    assert [t.id for t in client.get_user_tracks()] == [track_id]
    assert [a.id for a in client.get_user_artists()] == [artist_id]
    assert client.remove_user_album(album_id) is True
    assert list(client.get_user_albums()) == []

    album = client.get_album("upc:00602445790012")
    assert album.id == album_id and album.title == "Released LP"
    assert [t.isrc for t in album.tracks] == ["USLP12000001", "USLP12000002"]
    track = client.get_track("isrc:USLP12000002")
    assert track.title == "Second Song" and track.album.id == album_id


def test_it_pages_library_reads_the_way_deezer_python_follows_them(admin, deezer_app, emulator_url):
    albums = [
        {"key": f"a{i}", "name": f"LP {i}", "upc": f"1{i:011d}", "artists": ["band"]}
        for i in range(30)
    ]
    out = admin.catalog(artists=[], albums=albums)
    token = admin.token(
        platform="deezer", user_id="9001", client_id="555", perms="basic_access,manage_library"
    )["access_token"]
    client = _client(emulator_url, token)
    for a in out["albums"]:
        client.add_user_album(int(a["ids"]["deezer"]))
    assert len(list(client.get_user_albums())) == 30


def test_it_answers_errors_with_http_200_and_codes(admin, deezer_app, http, emulator_url):
    token = admin.token(platform="deezer", user_id="9001", client_id="555", perms="basic_access")[
        "access_token"
    ]
    client = _client(emulator_url, token)
    with pytest.raises(deezer.exceptions.DeezerErrorResponse) as err:
        client.add_user_album(int(deezer_app["released"]["deezer"]))
    assert err.value.json_data["error"]["code"] == 200  # no manage_library permission
    with pytest.raises(deezer.exceptions.DeezerErrorResponse) as err:
        _client(emulator_url, "bogus").get_user("me")
    assert err.value.json_data["error"] == {
        "type": "OAuthException",
        "message": "Invalid OAuth access token.",
        "code": 300,
    }
    with pytest.raises(deezer.exceptions.DeezerErrorResponse) as err:
        client.get_album("upc:99999999999")
    assert err.value.json_data["error"]["code"] == 800
    full = admin.token(platform="deezer", user_id="9001", client_id="555", perms="manage_library")[
        "access_token"
    ]
    r = http.post("/deezer/api/user/me/albums", params={"access_token": full})
    assert r.status_code == 200 and r.json()["error"]["code"] == 501
    r = http.post("/deezer/api/user/me/albums", params={"access_token": full, "album_id": "x1"})
    assert r.json()["error"]["code"] == 500


def test_it_expires_tokens_without_offline_access(admin, deezer_app, emulator_url, http):
    token = _connect(emulator_url, "basic_access").json()
    assert token["expires"] == 3600
    admin.clock(advance=3601)
    r = http.get("/deezer/api/user/me", params={"access_token": token["access_token"]})
    assert r.json()["error"]["code"] == 300


def test_it_finds_albums_by_upc_without_leading_zeros_only_when_so_configured(admin, http):
    admin.catalog(
        artists=[{"key": "b", "name": "B"}],
        albums=[{"name": "Z", "upc": "0000123", "artists": ["b"], "deezer_strip_upc_zeros": True}],
    )
    assert "error" in http.get("/deezer/api/album/upc:0000123").json()
    assert http.get("/deezer/api/album/upc:123").json()["title"] == "Z"


def test_it_refuses_a_wrong_secret_or_code(deezer_app, http):
    r = http.get(
        "/deezer/oauth/access_token.php",
        params={"app_id": "555", "secret": "nope", "code": "x", "output": "json"},
    )
    assert r.json()["error"]["code"] == 300
    r = http.get(
        "/deezer/oauth/access_token.php",
        params={"app_id": "555", "secret": "deezer-secret", "code": "x"},
    )
    assert r.text == "wrong code"
