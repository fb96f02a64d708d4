"""tekore, unchanged but for its module-level URLs: token refresh and (legacy) library calls
of an extended-quota app."""

from __future__ import annotations

import tekore as tk
import tekore._auth.expiring.client as tk_auth
import tekore._client.base as tk_base

from .conftest import REDIRECT, seed_catalog, spotify_app, spotify_token


def test_it_refreshes_and_saves_with_tekore(admin, emulator_url, monkeypatch):
    monkeypatch.setattr(tk_base, "prefix", f"{emulator_url}/spotify/v1/")
    monkeypatch.setattr(tk_auth, "OAUTH_TOKEN_URL", f"{emulator_url}/spotify/accounts/api/token")
    ids = seed_catalog(admin)
    spotify_app(admin)
    tok = spotify_token(admin)
    cred = tk.Credentials("fanloop-client", "fanloop-secret", REDIRECT)
    refreshed = cred.refresh_user_token(tok["refresh_token"])
    assert refreshed.refresh_token == tok["refresh_token"]
    spotify = tk.Spotify(refreshed.access_token)
    album = ids["released"]["spotify"]
    spotify.saved_albums_add([album])
    assert spotify.saved_albums_contains([album]) == [True]
    assert spotify.album(album).external_ids["upc"] == "00602445790012"
