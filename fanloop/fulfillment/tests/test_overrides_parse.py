"""A pasted album: links and bare ids per platform; wrong platform, wrong kind and garbage
are refused with a message for the member."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fanloop.fulfillment.overrides import parse_album

from .ui_fixtures import SPOTIFY_ALBUM


@pytest.mark.parametrize(
    ("platform", "text", "album_id", "url"),
    [
        ("spotify", f"https://open.spotify.com/album/{SPOTIFY_ALBUM}?si=x", SPOTIFY_ALBUM,
         f"https://open.spotify.com/album/{SPOTIFY_ALBUM}"),
        ("spotify", SPOTIFY_ALBUM, SPOTIFY_ALBUM, f"https://open.spotify.com/album/{SPOTIFY_ALBUM}"),
        ("spotify", f"spotify:album:{SPOTIFY_ALBUM}", SPOTIFY_ALBUM,
         f"https://open.spotify.com/album/{SPOTIFY_ALBUM}"),
        ("deezer", "https://www.deezer.com/fr/album/302127", "302127",
         "https://www.deezer.com/album/302127"),
        ("deezer", " 302127 ", "302127", "https://www.deezer.com/album/302127"),
        ("applemusic", "https://music.apple.com/gb/album/midnight-signal/1600000001?i=1",
         "1600000001", "https://music.apple.com/gb/album/midnight-signal/1600000001"),
    ],
)  # fmt: skip
def test_it_reads_links_and_ids(platform, text, album_id, url):
    ref = parse_album(platform, text)
    assert (ref.id, ref.url) == (album_id, url)


@pytest.mark.parametrize(
    ("platform", "text", "words"),
    [
        ("spotify", "https://www.deezer.com/album/302127", "from Deezer"),
        ("deezer", f"https://open.spotify.com/album/{SPOTIFY_ALBUM}", "from Spotify"),
        ("spotify", "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF", "an artist"),
        ("spotify", "no idea", "not a Spotify, Apple Music or Deezer link"),
        ("spotify", "", "Paste a link"),
        ("spotify", "https://spotify.link/abc", "Short Spotify links"),
    ],
)
def test_it_refuses_what_is_not_an_album_of_the_platform(platform, text, words):
    with pytest.raises(ValidationError) as caught:
        parse_album(platform, text)
    assert words in " ".join(caught.value.messages)


def test_it_refuses_an_unknown_platform():
    with pytest.raises(ValidationError):
        parse_album("napster", "https://napster.com/album/1")


def test_it_reads_a_tidal_album_link_or_id():
    assert parse_album("tidal", "https://listen.tidal.com/album/77646168/").id == "77646168"
    ref = parse_album("tidal", "77646168")
    assert (ref.id, ref.url) == ("77646168", "https://tidal.com/album/77646168")
    with pytest.raises(ValidationError):
        parse_album("tidal", "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy")
