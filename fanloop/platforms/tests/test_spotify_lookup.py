"""Spotify lookups with a cached client-credentials token: a release by UPC (search, then the
album with its tracks) appears at local midnight in each market; a track by ISRC."""

from __future__ import annotations

from emulator.testing import AdminClient
from fanloop.platforms.spotify import Spotify

from .helpers import FUTURE_UPC, RELEASED_UPC, ids, many_tracks, route_count, seed_catalog


def test_it_looks_up_a_released_album_by_upc(spotify_dev: Spotify, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "spotify")
    found = spotify_dev.lookup_release(RELEASED_UPC, "DE")
    assert found is not None
    assert found.platform == "spotify"
    assert found.album_id == release["album"]
    assert found.title == "Released LP"
    assert found.track_ids == tuple(release["tracks"])
    assert found.artist_ids == (release["artist"],)
    assert spotify_dev.lookup_release(FUTURE_UPC, "DE") is None
    assert spotify_dev.lookup_release("00000000000000", "DE") is None
    # One client-credentials token served all of those calls.
    assert route_count(admin, "POST /spotify/accounts/api/token") == 1


def test_it_finds_a_release_only_after_local_midnight_in_that_market(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    seed_catalog(
        admin,
        [
            {
                "key": "friday",
                "name": "Friday LP",
                "upc": "00602445790050",
                "artists": ["band"],
                "release_date": "2027-03-05",
                "tracks": [{"name": "Friday Song", "isrc": "USLP12700001"}],
            }
        ],
    )
    # 16:00 UTC on Thursday: already Friday in Tokyo (UTC+9), still Thursday in New York.
    admin.clock(set="2027-03-04T16:00:00Z", freeze=True)
    assert spotify_dev.lookup_release("00602445790050", "JP") is not None
    assert spotify_dev.lookup_release("00602445790050", "US") is None
    assert spotify_dev.lookup_track("USLP12700001", "US") is None
    admin.clock(set="2027-03-05T05:00:00Z", freeze=True)  # midnight in New York
    assert spotify_dev.lookup_release("00602445790050", "US") is not None
    assert spotify_dev.lookup_track("USLP12700001", "US") is not None


def test_it_gets_a_fresh_app_token_when_the_cached_one_expired(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    seed_catalog(admin)
    assert spotify_dev.lookup_release(RELEASED_UPC, "US") is not None
    admin.clock(advance=7200)  # the cached token is still fresh by our clock, not Spotify's
    assert spotify_dev.lookup_release(RELEASED_UPC, "US") is not None
    assert route_count(admin, "POST /spotify/accounts/api/token") == 2


def test_it_looks_up_a_track_by_isrc(spotify_dev: Spotify, admin: AdminClient) -> None:
    release = ids(seed_catalog(admin), "released", "spotify")
    track = spotify_dev.lookup_track("USLP12000002", "GB")
    assert track is not None
    assert track.track_id == release["tracks"][1]
    assert track.album_id == release["album"]
    assert track.title == "Second Song"
    assert spotify_dev.lookup_track("USLP19900001", "GB") is None  # not released yet


def test_it_reads_every_track_of_an_album_of_more_than_50(
    spotify_dev: Spotify, admin: AdminClient
) -> None:
    """The album embeds 50 tracks; the adapter follows ``next`` through /albums/{id}/tracks."""
    long = ids(seed_catalog(admin, [many_tracks("long", "00602445799999", 120)]), "long", "spotify")
    found = spotify_dev.lookup_release("00602445799999", "DE")
    assert found is not None
    assert found.track_ids == tuple(long["tracks"]) and len(found.track_ids) == 120
    assert route_count(admin, "GET /spotify/v1/albums/{id}/tracks") == 2  # 51-100, 101-120
