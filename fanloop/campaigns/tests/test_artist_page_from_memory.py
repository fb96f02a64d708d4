"""The artist page is served from memory like release pages (no view, no query), and is
forgotten when the artist, a release or its listen links change, at once in this process
and within a second from elsewhere; the next release turns into the latest at its instant
even while the page is in memory."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fanloop.analytics.tests.factories import make_release
from fanloop.catalog import platform_ids
from fanloop.catalog.listen_links import set_listen_links
from fanloop.catalog.models import Artist, Release

NOW = dt.datetime(2030, 4, 1, 12, tzinfo=dt.UTC)
# "Next Single": midnight in London (BST) on 11 April 2030.
INSTANT = dt.datetime(2030, 4, 10, 23, tzinfo=dt.UTC)


def catalogue(artist: Artist) -> dict[str, Release]:
    made = {
        "latest": make_release(
            artist, title="Latest Album", slug="latest-album", short_code="lat0001",
            release_date=dt.date(2030, 3, 1),
        ),
        "next": make_release(
            artist, title="Next Single", slug="next-single", short_code="nxt0001",
            release_date=dt.date(2030, 4, 11),
        ),
    }  # fmt: skip
    platform_ids.write_release_ids(made["latest"], {"spotify": "4aawyAB9vmqN3uQ7FjRGTy"})
    return made


def page(client: Client) -> str:
    response = client.get("/nova-lights")
    assert response.status_code == 200
    return response.content.decode()


def test_it_is_served_from_memory_without_a_query(artist: Artist) -> None:
    catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        first = page(client)
        with CaptureQueriesContext(connection) as queries:
            again = page(client)
    assert again == first
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_member_still_goes_through_the_view(artist: Artist, owner) -> None:
    catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        page(Client())  # in memory now
        client.force_login(owner)
        with CaptureQueriesContext(connection) as queries:
            page(client)
    assert len(queries) > 0  # the session and the membership were read


def test_it_shows_an_artist_change_at_once(artist: Artist) -> None:
    catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        page(client)
        artist.name = "Nova Nights"
        artist.save()
        assert "Nova Nights" in page(client)


def test_it_shows_a_release_change_at_once(artist: Artist) -> None:
    made = catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        page(client)
        made["next"].title = "Next Single (Edit)"
        made["next"].save()
        assert "Next Single (Edit)" in page(client)
        made["next"].delete()
        assert "Next Single" not in page(client)


def test_it_shows_a_listen_link_change_at_once(artist: Artist) -> None:
    made = catalogue(artist)
    client = Client()
    # The page's cache key holds the release's ``updated``, which the links' save moves: the
    # clock moves between the steps, as it does between two saves.
    with time_machine.travel(NOW, tick=False):
        assert "/listen/tidal" not in page(client)
    with time_machine.travel(NOW + dt.timedelta(seconds=0.1), tick=False):
        set_listen_links(made["latest"], {"tidal": "https://tidal.com/browse/album/77640617"})
        assert 'href="/nova-lights/latest-album/listen/tidal"' in page(client)
    with time_machine.travel(NOW + dt.timedelta(seconds=0.2), tick=False):
        set_listen_links(made["latest"], {})
        assert "/listen/tidal" not in page(client)


def test_it_shows_a_change_made_elsewhere_within_a_second(artist: Artist) -> None:
    # QuerySet.update sends no signal: like a save in another process.
    made = catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        page(client)
        Release.objects.filter(pk=made["latest"].pk).update(title="Renamed Elsewhere")
        Artist.objects.filter(pk=artist.pk).update(name="Nova Elsewhere")
        assert "Renamed Elsewhere" not in page(client)  # from memory, inside the second
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        html = page(client)
    assert "Renamed Elsewhere" in html and "Nova Elsewhere" in html


def test_a_new_release_published_elsewhere_shows_within_a_second(artist: Artist) -> None:
    catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        page(client)
    make_release(
        artist, title="Surprise Drop", slug="surprise-drop", short_code="srp0001",
        release_date=dt.date(2030, 3, 20),
    )  # fmt: skip
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert "Surprise Drop" in page(client)


def test_the_next_release_switches_to_latest_at_its_instant_while_in_memory(
    artist: Artist,
) -> None:
    catalogue(artist)
    client = Client()
    with time_machine.travel(INSTANT - dt.timedelta(seconds=0.5), tick=False):
        before = page(client)
        assert 'id="cd"' in before and "Pre-save on Spotify" in before
    with time_machine.travel(INSTANT + dt.timedelta(seconds=0.2), tick=False):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/nova-lights")
    after = response.content.decode()
    assert 'Out now: <a href="/nova-lights/next-single">Next Single</a>' in after
    assert 'id="cd"' not in after
    # Served from memory (no re-read of the artist), rendered anew for the new state.
    assert not any("catalog_artist" in q["sql"] for q in queries)
    assert response["Cache-Control"] == "public, max-age=60"


def test_before_the_instant_browsers_may_not_keep_it_past_the_switch(artist: Artist) -> None:
    catalogue(artist)
    with time_machine.travel(INSTANT - dt.timedelta(seconds=30), tick=False):
        Client().get("/nova-lights")
        response = Client().get("/nova-lights")  # from memory
    assert response["Cache-Control"] == "public, max-age=30"


def test_other_addresses_are_not_taken_for_artists(artist: Artist) -> None:
    catalogue(artist)
    client = Client()
    page(client)
    assert client.get("/nova-lights/latest-album").status_code == 200
    assert client.get("/nova-lights/no-such-release").status_code == 404
    assert client.get("/healthz")["Content-Type"] == "application/json"
