"""Apple Music share links parse into artist and album ids; ?i= (a track) is ignored."""

from __future__ import annotations

import pytest

from fanloop.catalog.share_links import parse_id_or_link, parse_link


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (
            "https://music.apple.com/us/artist/taylor-swift/159260351",
            "https://music.apple.com/us/artist/taylor-swift/159260351",
        ),
        (
            "https://music.apple.com/fr/artist/stromae/260404013?l=en-GB",
            "https://music.apple.com/fr/artist/stromae/260404013",
        ),
        ("music.apple.com/gb/artist/159260351", "https://music.apple.com/gb/artist/159260351"),
    ],
)
def test_it_parses_artist_links(text, url):
    ref = parse_link(text, "artist")
    assert (ref.platform, ref.kind, ref.url) == ("applemusic", "artist", url)
    assert ref.id.isdigit()


@pytest.mark.parametrize(
    "text",
    [
        "https://music.apple.com/us/album/midnights/1649434004",
        "https://music.apple.com/us/album/midnights/1649434004?i=1649434005",
        "https://geo.music.apple.com/us/album/midnights/1649434004?app=music",
        "https://itunes.apple.com/us/album/midnights/id1649434004",
    ],
)
def test_it_parses_album_links_and_ignores_the_track_parameter(text):
    ref = parse_link(text, "album", "applemusic")
    assert ref.id == "1649434004"
    assert ref.url == "https://music.apple.com/us/album/midnights/1649434004"


def test_it_accepts_a_bare_album_id_where_ids_are_allowed():
    assert parse_id_or_link(" 1649434004 ", "album", "applemusic").id == "1649434004"
