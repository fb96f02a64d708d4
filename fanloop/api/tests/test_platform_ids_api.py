"""Artists and releases carry their ids on every platform of the registry as objects keyed
by platform (``platform_links`` and ``platform_ids``), written through the catalog's rules."""

from __future__ import annotations

from fanloop.catalog import platform_ids

SPOTIFY_ARTIST = "0OdUWJ0sBjDrqHygGUXeCF"


def test_an_artist_is_created_with_links_on_every_platform(call, secret):
    response = call(
        "POST",
        "/artists",
        secret,
        json={
            "name": "Nova Lights",
            "platform_links": {
                "spotify": f"https://open.spotify.com/artist/{SPOTIFY_ARTIST}?si=x",
                "tidal": "https://tidal.com/browse/artist/3346",
            },
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["platform_ids"] == {"spotify": SPOTIFY_ARTIST, "tidal": "3346"}
    assert body["platform_links"] == {
        "spotify": f"https://open.spotify.com/artist/{SPOTIFY_ARTIST}",
        "tidal": "https://tidal.com/artist/3346",
    }
    listed = call("GET", "/artists", secret).json()["items"]
    assert listed[0]["platform_ids"] == body["platform_ids"]


def test_a_patch_changes_only_the_platforms_it_names(call, secret, artist):
    platform_ids.write_artist_ids(artist, {"deezer": ("27", "https://www.deezer.com/artist/27")})
    response = call(
        "PATCH",
        f"/artists/{artist.pk}",
        secret,
        json={"platform_links": {"tidal": "tidal.com/artist/3346"}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["platform_ids"] == {"deezer": "27", "tidal": "3346"}
    response = call(
        "PATCH", f"/artists/{artist.pk}", secret, json={"platform_links": {"deezer": ""}}
    )
    assert response.json()["platform_ids"] == {"tidal": "3346"}


def test_a_release_takes_album_ids_and_links(call, secret, release):
    response = call(
        "PATCH",
        f"/releases/{release.pk}",
        secret,
        json={"platform_ids": {"deezer": "302127", "tidal": "https://tidal.com/album/77646168"}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["platform_ids"] == {"deezer": "302127", "tidal": "77646168"}
    assert platform_ids.release_ids(release) == {"deezer": "302127", "tidal": "77646168"}


def test_a_wrong_link_or_platform_is_a_422_naming_the_field(call, secret, artist, release):
    response = call(
        "PATCH",
        f"/releases/{release.pk}",
        secret,
        json={"platform_ids": {"spotify": "https://www.deezer.com/album/1", "napster": "1"}},
    )
    assert response.status_code == 422
    assert {"spotify_album", "napster_album"} <= set(response.json()["errors"])
    assert platform_ids.release_ids(release) == {}
    response = call(
        "POST",
        "/artists",
        secret,
        json={"name": "X", "platform_links": {"tidal": "https://tidal.com/album/1"}},
    )
    assert response.status_code == 422
    assert "tidal_artist_link" in response.json()["errors"]


def test_an_outsider_cannot_read_or_change_the_ids(call, outsider_secret, release):
    platform_ids.write_release_ids(release, {"deezer": "302127"})
    assert call("GET", f"/releases/{release.pk}", outsider_secret).status_code == 404
    response = call(
        "PATCH", f"/releases/{release.pk}", outsider_secret, json={"platform_ids": {"deezer": ""}}
    )
    assert response.status_code == 404
    assert platform_ids.release_ids(release) == {"deezer": "302127"}
