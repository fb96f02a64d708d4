"""spotipy 2.26, unchanged but for its base URLs, through PKCE, refresh and library calls."""

from __future__ import annotations

import httpx
import spotipy
from spotipy.cache_handler import MemoryCacheHandler

from .conftest import REDIRECT, seed_catalog, spotify_app
from .forms import consent

SCOPES = "user-library-modify user-library-read user-follow-modify user-follow-read"


def _point_at(auth: spotipy.oauth2.SpotifyAuthBase, base: str) -> None:
    auth.OAUTH_AUTHORIZE_URL = f"{base}/spotify/accounts/authorize"
    auth.OAUTH_TOKEN_URL = f"{base}/spotify/accounts/api/token"


def test_it_runs_the_pkce_flow_and_library_calls_with_spotipy(admin, emulator_url):
    ids = seed_catalog(admin)
    spotify_app(admin)
    admin.user(platform="spotify", id="fan1", email="fan@example.org", country="DE")
    auth = spotipy.SpotifyPKCE(
        client_id="fanloop-client",
        redirect_uri=REDIRECT,
        scope=SCOPES,
        open_browser=False,
        cache_handler=MemoryCacheHandler(),
    )
    _point_at(auth, emulator_url)
    with httpx.Client() as browser:
        answer = consent(browser, auth.get_authorize_url(state="st-42"), "fan@example.org")
    assert answer["state"] == ["st-42"]
    token = auth.get_access_token(answer["code"][0], check_cache=False)
    info = auth.get_cached_token()
    assert info["expires_in"] == 3600 and info["refresh_token"]

    refreshed = auth.refresh_access_token(info["refresh_token"])
    assert refreshed["access_token"] != token
    # The emulator omits refresh_token on refresh (allowed by Spotify); spotipy keeps the old.
    assert refreshed["refresh_token"] == info["refresh_token"]

    sp = spotipy.Spotify(auth_manager=auth)
    sp.prefix = f"{emulator_url}/spotify/v1/"
    album_id, artist_id = ids["released"]["spotify"], ids["artist"]["spotify"]
    sp.current_user_saved_albums_add([album_id])
    assert sp.current_user_saved_albums_contains([album_id]) == [True]
    sp.user_follow_artists([artist_id])
    assert sp.current_user_following_artists([artist_id]) == [True]
    found = sp.search(q="upc:00602445790012", type="album", limit=5)
    assert [a["id"] for a in found["albums"]["items"]] == [album_id]
    tracks = sp.search(q="isrc:USLP12000002", type="track", limit=5)
    assert tracks["tracks"]["items"][0]["name"] == "Second Song"
    album = sp.album(album_id)
    assert album["external_ids"]["upc"] == "00602445790012"
    assert album["release_date"] == "2020-01-10"
    assert sp.artist(artist_id)["followers"]["total"] == 1001
    library = admin.library("spotify", "fan1")
    assert {e["type"] for e in library["saved"]} == {"album"}
    assert [e["id"] for e in library["follows"]] == [artist_id]


def test_it_runs_the_client_secret_flow_with_spotipy(admin, emulator_url):
    seed_catalog(admin)
    spotify_app(admin)
    admin.user(platform="spotify", id="fan2", email="fan2@example.org")
    auth = spotipy.SpotifyOAuth(
        client_id="fanloop-client",
        client_secret="fanloop-secret",
        redirect_uri=REDIRECT,
        scope=SCOPES,
        open_browser=False,
        cache_handler=MemoryCacheHandler(),
    )
    _point_at(auth, emulator_url)
    with httpx.Client() as browser:
        answer = consent(browser, auth.get_authorize_url(), "fan2@example.org")
    auth.get_access_token(answer["code"][0], as_dict=False, check_cache=False)
    info = auth.get_cached_token()
    assert info["token_type"] == "Bearer"
    sp = spotipy.Spotify(auth=info["access_token"])
    sp.prefix = f"{emulator_url}/spotify/v1/"
    assert sp.me()["id"] == "fan2"
