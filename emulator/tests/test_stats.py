"""Stats count requests by route and status and every effective save per (user, item), so a
benchmark can detect duplicate saves independently of fanloop."""

from __future__ import annotations

from .conftest import bearer, seed_catalog, spotify_app, spotify_token


def test_it_counts_save_operations_and_duplicates(admin, http):
    ids = seed_catalog(admin)
    spotify_app(admin)
    fan = bearer(spotify_token(admin)["access_token"])
    album = f"spotify:album:{ids['released']['spotify']}"
    track = f"spotify:track:{ids['released_tracks'][0]['spotify']}"
    http.put("/spotify/v1/me/library", params={"uris": f"{album},{track}"}, headers=fan)
    http.put("/spotify/v1/me/library", params={"uris": album}, headers=fan)
    http.put("/spotify/v1/me/library", params={"uris": "bad"}, headers=fan)  # 400: not counted
    stats = admin.stats(detail=True)
    assert stats["save_ops_total"] == 3
    assert stats["saved_items"] == 2
    assert stats["duplicate_saves"] == 1
    assert stats["requests"]["PUT /spotify/v1/me/library"] == {"200": 2, "400": 1}
    assert {"platform": "spotify", "user_id": "fan1", "item": album, "count": 2} in stats["saves"]
    admin.http.post("/stats/reset")
    assert admin.stats()["save_ops_total"] == 0
