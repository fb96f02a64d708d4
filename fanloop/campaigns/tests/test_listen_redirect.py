"""Listen links count a click, then redirect only to addresses built from stored ids."""

from __future__ import annotations

from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import BROWSER_UA
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release


def test_it_records_the_click_and_redirects_to_the_album(release: Release) -> None:
    response = Client().get(
        "/nova-lights/midnight-signal/listen/spotify", HTTP_USER_AGENT=BROWSER_UA
    )
    assert response.status_code == 302
    assert response["Location"] == "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"
    assert response["Cache-Control"] == "no-store"
    buffer.events.flush()
    event = Event.objects.get()
    assert (event.kind, event.platform, event.release_id) == ("click", "spotify", release.pk)


def test_it_builds_each_platforms_album_address(release: Release) -> None:
    platform_ids.write_release_ids(release, {"applemusic": "1440857781"})
    release.save()
    client = Client()
    assert client.get("/nova-lights/midnight-signal/listen/applemusic")["Location"] == (
        "https://music.apple.com/us/album/1440857781"
    )
    assert client.get("/nova-lights/midnight-signal/listen/deezer")["Location"] == (
        "https://www.deezer.com/album/302127"
    )


def test_it_builds_the_tidal_album_address_from_its_stored_id(release: Release) -> None:
    platform_ids.write_release_ids(release, {"tidal": "77646168"})
    release.save()
    response = Client().get("/nova-lights/midnight-signal/listen/tidal")
    assert response["Location"] == "https://tidal.com/album/77646168"


def test_it_falls_back_to_the_artist_page_on_the_platform(release: Release) -> None:
    artist = release.artist
    link = "https://music.apple.com/us/artist/nova-lights/1500000001"
    platform_ids.write_artist_ids(artist, {"applemusic": ("1500000001", link)})
    artist.save()
    response = Client().get("/nova-lights/midnight-signal/listen/applemusic")
    assert response["Location"] == "https://music.apple.com/us/artist/nova-lights/1500000001"


def test_it_refuses_an_artist_link_to_another_site(release: Release) -> None:
    artist = release.artist
    # Stored before the rules, bypassing them: the page still does not lead there.
    link = "https://evil.example.com/music.apple.com"
    platform_ids.write_artist_ids(artist, {"applemusic": ("1500000001", link)})
    artist.save()
    assert Client().get("/nova-lights/midnight-signal/listen/applemusic").status_code == 404


def test_it_cannot_be_pointed_elsewhere_by_the_request(release: Release) -> None:
    response = Client().get(
        "/nova-lights/midnight-signal/listen/spotify?next=https://evil.example.com"
    )
    assert response["Location"] == "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"


def test_it_quotes_stored_ids(release: Release) -> None:
    platform_ids.write_release_ids(release, {"spotify": "../../evil?x=1"})
    release.save()
    location = Client().get("/nova-lights/midnight-signal/listen/spotify")["Location"]
    assert location == "https://open.spotify.com/album/..%2F..%2Fevil%3Fx%3D1"


def test_it_returns_404_for_an_unknown_platform(release: Release) -> None:
    assert Client().get("/nova-lights/midnight-signal/listen/napster").status_code == 404
    buffer.events.flush()
    assert not Event.objects.exists()


def test_it_returns_404_when_the_platform_has_no_link(release: Release) -> None:
    assert Client().get("/nova-lights/midnight-signal/listen/applemusic").status_code == 404


def test_it_keeps_the_utm_of_the_page_the_click_came_from(release: Release) -> None:
    Client().get(
        "/nova-lights/midnight-signal/listen/deezer",
        HTTP_USER_AGENT=BROWSER_UA,
        HTTP_REFERER="http://testserver/nova-lights/midnight-signal?utm_source=tiktok",
    )
    buffer.events.flush()
    event = Event.objects.get()
    assert event.utm_source == "tiktok"
    assert event.referrer_host == ""
