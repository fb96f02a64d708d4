"""Artist discographies on Deezer (``/artist/{id}/albums``) and Apple Music
(``/catalog/{sf}/artists/{id}/albums``): released albums only, paged, 800 / 404 when unknown."""

from __future__ import annotations

from .conftest import bearer, seed_catalog


def test_deezer_lists_an_artists_released_albums(admin, http):
    ids = seed_catalog(admin)
    artist = ids["artist"]["deezer"]
    body = http.get(f"/deezer/api/artist/{artist}/albums").json()
    assert [str(a["id"]) for a in body["data"]] == [ids["released"]["deezer"]]
    assert body["total"] == 1 and "next" not in body
    assert body["data"][0]["upc"]
    missing = http.get("/deezer/api/artist/999999/albums").json()
    assert missing["error"]["code"] == 800


def test_deezer_pages_by_index(admin, http):
    artist = seed_catalog(admin)["artist"]["deezer"]
    admin.catalog(
        [],
        [
            {
                "key": f"extra{i}",
                "name": f"Extra {i}",
                "upc": f"0060244579{i:04d}",
                "artists": ["band"],
                "release_date": f"2020-01-0{i + 1}",
            }
            for i in range(3)
        ],
    )
    first = http.get(f"/deezer/api/artist/{artist}/albums", params={"limit": 2}).json()
    assert len(first["data"]) == 2 and first["total"] == 4
    assert "index=2" in first["next"]


def test_apple_lists_an_artists_released_albums(admin, http):
    ids = seed_catalog(admin)
    admin.app(platform="apple", client_id="apple-app", team_id="TEAM123456", key_id="KEY1234567")
    headers = bearer(admin.apple_developer_token("apple-app"))
    artist = ids["artist"]["apple"]
    r = http.get(f"/apple/v1/catalog/us/artists/{artist}/albums", headers=headers)
    assert r.status_code == 200
    data = r.json()["data"]
    assert [a["id"] for a in data] == [ids["released"]["apple"]]
    assert data[0]["attributes"]["upc"]
    r = http.get("/apple/v1/catalog/us/artists/999999/albums", headers=headers)
    assert r.status_code == 404
