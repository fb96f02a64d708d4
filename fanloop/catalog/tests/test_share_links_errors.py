"""Link parsing refuses the wrong kind, the wrong platform and junk, with clear messages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fanloop.catalog.share_links import Kind, PlatformKey, parse_link

SPOTIFY_ID = "0OdUWJ0sBjDrqHygGUXeCF"


def _message(text: str, kind: Kind, platform: PlatformKey | None = None) -> str:
    with pytest.raises(ValidationError) as info:
        parse_link(text, kind, platform)
    return info.value.messages[0]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"https://open.spotify.com/album/{SPOTIFY_ID}", "Spotify link is for an album"),
        (f"https://open.spotify.com/track/{SPOTIFY_ID}", "Spotify link is for a track"),
        (f"spotify:playlist:{SPOTIFY_ID}", "Spotify link is for a playlist"),
        ("https://music.apple.com/us/album/x/1649434004", "Apple Music link is for an album"),
        ("https://www.deezer.com/fr/album/302127", "Deezer link is for an album"),
    ],
)
def test_it_refuses_an_album_or_track_link_in_an_artist_field(text, found):
    message = _message(text, "artist")
    assert message.startswith(f"This {found}, but this field needs an artist link (")


@pytest.mark.parametrize(
    "text",
    [
        f"https://open.spotify.com/artist/{SPOTIFY_ID}",
        "https://music.apple.com/us/song/anti-hero/1649434005",
        "https://www.deezer.com/track/123",
    ],
)
def test_it_refuses_an_artist_or_song_link_in_an_album_field(text):
    assert "this field needs an album link" in _message(text, "album")


def test_it_refuses_another_platform_in_a_platform_field():
    message = _message("https://www.deezer.com/artist/27", "artist", "spotify")
    assert message.startswith("This link is from Deezer; this field needs a link from Spotify (")


def test_it_refuses_spotify_short_links():
    assert "open.spotify.com" in _message("https://spotify.link/AbCdEf", "artist")


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/artist/1",
        "https://open.spotify.com.evil.example/artist/" + SPOTIFY_ID,
        "https://soundcloud.com/someone",
    ],
)
def test_it_refuses_other_sites(text):
    assert "not a Spotify, Apple Music or Deezer link" in _message(text, "artist")


@pytest.mark.parametrize(
    "text",
    [
        "https://open.spotify.com/artist/tooShort",
        "https://open.spotify.com/artist/",
        "https://open.spotify.com/",
        "spotify:artist:tooShort",
        "https://music.apple.com/us/artist/name",
        "https://www.deezer.com/artist/abc",
    ],
)
def test_it_refuses_links_without_an_id(text):
    assert "has no valid artist id" in _message(text, "artist")


@pytest.mark.parametrize(
    "text", ["", "   ", "javascript:alert(1)", "ftp://open.spotify.com/x", "http://"]
)
def test_it_refuses_junk(text):
    assert _message(text, "artist")
