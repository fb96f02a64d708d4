"""The per-platform id columns of artists and releases move to platform id rows with their
values (0007-0009), and back again when the migrations are reversed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release

BEFORE = [("catalog", "0006_listen_links")]
SPOTIFY_ARTIST = "0OdUWJ0sBjDrqHygGUXeCF"


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


def _latest() -> list[tuple[str, str]]:
    """Every app's latest migration: going back to ``BEFORE`` also unapplies the other apps'
    migrations that depend on later catalog ones, and the tests after this one need them."""
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_ids_move_to_rows_and_back(workspace) -> None:
    latest = _latest()
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    OldArtist = old.get_model("catalog", "Artist")
    OldRelease = old.get_model("catalog", "Release")
    linked = OldArtist.objects.create(
        workspace_id=workspace.pk,
        name="Linked",
        slug="linked",
        spotify_url=f"https://open.spotify.com/artist/{SPOTIFY_ARTIST}",
        spotify_id=SPOTIFY_ARTIST,
        deezer_url="https://www.deezer.com/artist/27",
        deezer_id="27",
    )
    bare = OldArtist.objects.create(workspace_id=workspace.pk, name="Bare", slug="bare")
    day = dt.date(2030, 3, 15)
    found = OldRelease.objects.create(
        artist=linked,
        title="Found",
        slug="found",
        release_date=day,
        short_code="found01",
        spotify_album_id="4aawyAB9vmqN3uQ7FjRGTy",
        apple_music_album_id="1440857781",
    )
    OldRelease.objects.create(
        artist=bare, title="Missing", slug="missing", release_date=day, short_code="missin1"
    )

    _migrate(latest)
    artist = Artist.objects.get(pk=linked.pk)
    assert platform_ids.artist_ids(artist) == {"spotify": SPOTIFY_ARTIST, "deezer": "27"}
    assert platform_ids.artist_links(artist) == {
        "spotify": f"https://open.spotify.com/artist/{SPOTIFY_ARTIST}",
        "deezer": "https://www.deezer.com/artist/27",
    }
    assert platform_ids.artist_ids(Artist.objects.get(pk=bare.pk)) == {}
    release = Release.objects.get(pk=found.pk)
    assert platform_ids.release_ids(release) == {
        "spotify": "4aawyAB9vmqN3uQ7FjRGTy",
        "applemusic": "1440857781",
    }
    assert platform_ids.release_ids(Release.objects.get(slug="missing")) == {}
    # A TIDAL id has no column to go back to; the others do.
    platform_ids.write_release_ids(release, {"deezer": "302127", "tidal": "77646168"})

    back = _migrate(BEFORE).loader.project_state(BEFORE).apps
    again = back.get_model("catalog", "Artist").objects.get(pk=linked.pk)
    assert (again.spotify_id, again.deezer_id, again.apple_music_id) == (SPOTIFY_ARTIST, "27", "")
    assert again.deezer_url == "https://www.deezer.com/artist/27"
    old_release = back.get_model("catalog", "Release").objects.get(pk=found.pk)
    assert (
        old_release.spotify_album_id,
        old_release.apple_music_album_id,
        old_release.deezer_album_id,
    ) == ("4aawyAB9vmqN3uQ7FjRGTy", "1440857781", "302127")

    _migrate(latest)
    assert platform_ids.release_ids(Release.objects.get(pk=found.pk)) == {
        "spotify": "4aawyAB9vmqN3uQ7FjRGTy",
        "applemusic": "1440857781",
        "deezer": "302127",
    }
