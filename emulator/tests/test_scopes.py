"""Scopes granted at consent are enforced: 403 "Insufficient client scope" without them."""

from __future__ import annotations

from .conftest import bearer, seed_catalog, spotify_app, spotify_token

FORBIDDEN = {"error": {"status": 403, "message": "Insufficient client scope"}}


def test_it_refuses_a_save_without_user_library_modify(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin)
    fan = bearer(spotify_token(admin, scopes=["user-library-read"])["access_token"])
    uri = f"spotify:album:{ids['released']['spotify']}"
    r = http.put("/spotify/v1/me/library", params={"uris": uri}, headers=fan)
    assert r.status_code == 403 and r.json() == FORBIDDEN
    r = http.get("/spotify/v1/me/library/contains", params={"uris": uri}, headers=fan)
    assert r.status_code == 200


def test_it_requires_follow_scopes_for_artists_unless_configured_otherwise(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin)
    fan = bearer(spotify_token(admin, scopes=["user-library-modify"])["access_token"])
    uri = f"spotify:artist:{ids['artist']['spotify']}"
    r = http.put("/spotify/v1/me/library", params={"uris": uri}, headers=fan)
    assert r.status_code == 403 and r.json() == FORBIDDEN
    admin.config(library_artist_requires_follow_scope=False)
    r = http.put("/spotify/v1/me/library", params={"uris": uri}, headers=fan)
    assert r.status_code == 200


def test_it_shows_email_and_country_only_with_their_scopes(admin, http):
    spotify_app(admin)
    admin.config(dev_mode_strips_private_fields=False)
    fan = bearer(spotify_token(admin, scopes=["user-read-private"])["access_token"])
    me = http.get("/spotify/v1/me", headers=fan).json()
    assert me["country"] == "US" and "email" not in me
