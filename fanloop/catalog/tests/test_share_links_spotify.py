"""Spotify share links and URIs parse into artist and album ids."""

from __future__ import annotations

import pytest

from fanloop.catalog.share_links import PlatformRef, parse_id_or_link, parse_link

ARTIST_ID = "0OdUWJ0sBjDrqHygGUXeCF"
ALBUM_ID = "4aawyAB9vmqN3uQ7FjRGTy"


@pytest.mark.parametrize(
    "text",
    [
        f"https://open.spotify.com/artist/{ARTIST_ID}",
        f"https://open.spotify.com/artist/{ARTIST_ID}?si=a1B2c3D4e5F6g7H8",
        f"https://open.spotify.com/intl-fr/artist/{ARTIST_ID}?si=x",
        f"https://open.spotify.com/intl-pt-BR/artist/{ARTIST_ID}",
        f"http://open.spotify.com/artist/{ARTIST_ID}/",
        f"open.spotify.com/artist/{ARTIST_ID}",
        f"https://open.spotify.com/embed/artist/{ARTIST_ID}",
        f"  spotify:artist:{ARTIST_ID}  ",
    ],
)
def test_it_parses_artist_links(text):
    assert parse_link(text, "artist") == PlatformRef(
        "spotify", "artist", ARTIST_ID, f"https://open.spotify.com/artist/{ARTIST_ID}"
    )


@pytest.mark.parametrize(
    "text",
    [
        f"https://open.spotify.com/album/{ALBUM_ID}?si=q",
        f"https://open.spotify.com/intl-de/album/{ALBUM_ID}",
        f"spotify:album:{ALBUM_ID}",
    ],
)
def test_it_parses_album_links(text):
    ref = parse_link(text, "album", "spotify")
    assert (ref.platform, ref.kind, ref.id) == ("spotify", "album", ALBUM_ID)
    assert ref.url == f"https://open.spotify.com/album/{ALBUM_ID}"


def test_it_accepts_a_bare_album_id_where_ids_are_allowed():
    assert parse_id_or_link(ALBUM_ID, "album", "spotify").id == ALBUM_ID
