"""Pasted listen links: each service's link shapes are accepted, in canonical form, and
anything else is refused with a reason."""

from __future__ import annotations

import pytest

from fanloop.platforms.listen_services import KEYS, SERVICES, parse_listen_url

ACCEPTED = [
    ("spotify", "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy?si=abc",
     "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"),
    ("spotify", "https://open.spotify.com/intl-de/track/11dFghVXANMlKmJXsNCbNl",
     "https://open.spotify.com/intl-de/track/11dFghVXANMlKmJXsNCbNl"),
    ("applemusic", "https://music.apple.com/gb/album/midnight-signal/1440857781?i=1",
     "https://music.apple.com/gb/album/midnight-signal/1440857781"),
    ("deezer", "https://www.deezer.com/fr/album/302127", "https://www.deezer.com/fr/album/302127"),
    ("deezer", "https://link.deezer.com/s/30dUyI2A", "https://link.deezer.com/s/30dUyI2A"),
    ("tidal", "https://tidal.com/browse/album/77640617", "https://tidal.com/browse/album/77640617"),
    ("tidal", "https://listen.tidal.com/track/77640618",
     "https://listen.tidal.com/track/77640618"),
    ("youtubemusic", "https://music.youtube.com/playlist?list=OLAK5uy_abc&si=zz",
     "https://music.youtube.com/playlist?list=OLAK5uy_abc"),
    ("youtubemusic", "https://music.youtube.com/browse/MPREb_abc123",
     "https://music.youtube.com/browse/MPREb_abc123"),
    ("amazonmusic", "https://music.amazon.co.uk/albums/B0CXYZ1234?ref=x",
     "https://music.amazon.co.uk/albums/B0CXYZ1234"),
    ("soundcloud", "https://soundcloud.com/nova-lights/sets/midnight-signal",
     "https://soundcloud.com/nova-lights/sets/midnight-signal"),
    ("soundcloud", "https://on.soundcloud.com/Ab12Cd", "https://on.soundcloud.com/Ab12Cd"),
    ("bandcamp", "https://novalights.bandcamp.com/album/midnight-signal",
     "https://novalights.bandcamp.com/album/midnight-signal"),
    ("bandcamp", "https://novalights.bandcamp.com/", "https://novalights.bandcamp.com/"),
    ("custom", "https://shop.novalights.example/vinyl?colour=blue#top",
     "https://shop.novalights.example/vinyl?colour=blue"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "pasted", "stored"), ACCEPTED)
def test_it_accepts_each_services_links_in_canonical_form(
    key: str, pasted: str, stored: str
) -> None:
    assert parse_listen_url(key, f"  {pasted} ") == stored


REFUSED = [
    ("spotify", "http://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy", "https://"),
    ("spotify", "https://open.spotify.com.evil.example/album/4aaw", "not a link to Spotify"),
    ("spotify", "https://open.spotify.com/playlist/37i9dQZF1DX", "not a release or artist"),
    ("tidal", "https://tidal.com/album/abc", "not a release or artist"),
    ("deezer", "https://user:pw@www.deezer.com/album/302127", "user name"),
    ("deezer", "https://www.deezer.com:8443/album/302127", "port"),
    ("youtubemusic", "https://music.youtube.com/playlist?si=zz", "lacks the release's id"),
    ("youtubemusic", "https://www.youtube.com/watch?v=abc", "not a link to YouTube Music"),
    ("amazonmusic", "https://music.amazon.evil/albums/B0CX", "not a link to Amazon Music"),
    ("bandcamp", "https://bandcamp.com.evil.example/album/x", "not a link to Bandcamp"),
    ("bandcamp", "https://novalights.bandcamp.com/merch", "not a release or artist"),
    ("custom", "https://127.0.0.1/x", "public host name"),
    ("custom", "https://localhost/x", "public host name"),
    ("custom", "javascript:alert(1)", "https://"),
    ("custom", "https://" + "a" * 500 + ".example/", "under 500"),
    ("myspace", "https://myspace.com/x", "Unknown service"),
]


@pytest.mark.parametrize(("key", "pasted", "reason"), REFUSED)
def test_it_refuses_other_links_saying_why(key: str, pasted: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("?", r"\?")):
        parse_listen_url(key, pasted)


def test_every_service_of_the_page_is_listed_once_custom_last() -> None:
    assert KEYS == (
        "spotify", "applemusic", "deezer", "tidal", "youtubemusic", "amazonmusic",
        "soundcloud", "bandcamp", "custom",
    )  # fmt: skip
    assert len({s.label for s in SERVICES}) == len(SERVICES)
