"""Pages served from memory are checked against the database all at once, once a second,
and pages nobody visits any more are let go."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fanloop.analytics.tests.factories import make_release
from fanloop.campaigns import pages
from fanloop.catalog.models import Artist, ArtistPlatformId, Release, ReleasePlatformId

NOW = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)
PATHS = [f"/nova-lights/song-{n}" for n in range(3)]


def three_pages(artist: Artist) -> None:
    for n in range(3):
        make_release(artist, title=f"Song {n}", slug=f"song-{n}", short_code=f"song{n:03d}")


def test_it_rechecks_every_known_page_in_one_pass(artist: Artist) -> None:
    three_pages(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        for path in PATHS:
            assert client.get(path).status_code == 200
    known = [pages._known[path] for path in PATHS]
    with (
        time_machine.travel(NOW + dt.timedelta(seconds=1.5), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert client.get(PATHS[0]).status_code == 200
    # The stored values of all three, their and their artist's platform ids, and the
    # platform apps of their workspace.
    assert len(queries) == 4, [q["sql"] for q in queries]
    assert [pages._known[path] for path in PATHS] == known  # no page went through the view
    assert all(k.checked_at == (NOW + dt.timedelta(seconds=1.5)).timestamp() for k in known)


def test_a_page_changed_elsewhere_is_forgotten_and_the_others_kept(artist: Artist) -> None:
    three_pages(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        for path in PATHS:
            client.get(path)
    Release.objects.filter(slug="song-1").update(description="Changed elsewhere")
    with time_machine.travel(NOW + dt.timedelta(seconds=1.5), tick=False):
        client.get(PATHS[0])
        assert PATHS[1] not in pages._known and PATHS[2] in pages._known
        assert b"Changed elsewhere" in client.get(PATHS[1]).content


def test_an_artist_changed_elsewhere_is_seen_within_a_second(artist: Artist) -> None:
    three_pages(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.get(PATHS[2])
    Artist.objects.filter(pk=artist.pk).update(name="Nova Nights")
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert b"Nova Nights" in client.get(PATHS[2]).content


def test_pages_not_visited_for_a_while_are_let_go(artist: Artist) -> None:
    three_pages(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        for path in PATHS:
            client.get(path)
    later = NOW + dt.timedelta(seconds=pages.IDLE_SECONDS - 10)
    with time_machine.travel(later, tick=False):
        client.get(PATHS[0])  # a check: all three unchanged, kept
        assert set(PATHS) <= set(pages._known)
    with time_machine.travel(later + dt.timedelta(seconds=11), tick=False):
        client.get(PATHS[0])  # the next check lets the two idle ones go
    assert PATHS[0] in pages._known
    assert PATHS[1] not in pages._known and PATHS[2] not in pages._known


def test_platform_ids_stored_elsewhere_are_seen_within_a_second(artist: Artist) -> None:
    """Platform ids are rows of their own, not columns of the release: a pasted album id or
    artist link (from another process) still makes the page be read again."""
    three_pages(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        for path in PATHS:
            client.get(path)
    ReleasePlatformId.objects.create(
        release=Release.objects.get(slug="song-0"), platform="deezer", external_id="302127"
    )
    with time_machine.travel(NOW + dt.timedelta(seconds=1.5), tick=False):
        client.get(PATHS[1])
        assert PATHS[0] not in pages._known and PATHS[1] in pages._known
    before = pages._known[PATHS[1]]
    ArtistPlatformId.objects.create(artist=artist, platform="deezer", external_id="27")
    with time_machine.travel(NOW + dt.timedelta(seconds=3), tick=False):
        client.get(PATHS[1])  # the check forgets both pages; this one is read again
        assert PATHS[2] not in pages._known and pages._known[PATHS[1]] is not before
