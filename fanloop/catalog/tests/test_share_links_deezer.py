"""Deezer links parse into ids; short links need a full deezer.com link instead."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fanloop.catalog.share_links import parse_link


@pytest.mark.parametrize(
    "text",
    [
        "https://www.deezer.com/fr/artist/27",
        "https://www.deezer.com/en/artist/27?utm_source=deezer",
        "https://www.deezer.com/artist/27",
        "deezer.com/us/artist/27",
    ],
)
def test_it_parses_artist_links(text):
    ref = parse_link(text, "artist", "deezer")
    assert (ref.platform, ref.kind, ref.id) == ("deezer", "artist", "27")
    assert ref.url == "https://www.deezer.com/artist/27"


def test_it_parses_album_links():
    ref = parse_link("https://www.deezer.com/fr/album/302127", "album")
    assert (ref.platform, ref.id, ref.url) == (
        "deezer",
        "302127",
        "https://www.deezer.com/album/302127",
    )


@pytest.mark.parametrize(
    "text",
    ["https://deezer.page.link/aBcDeF", "https://link.deezer.com/s/30Abc", "dzr.page.link/x"],
)
def test_it_asks_for_the_full_link_instead_of_a_short_one(text):
    with pytest.raises(ValidationError) as info:
        parse_link(text, "artist", "deezer")
    assert "paste the full deezer.com link" in info.value.messages[0]
