"""One pre-save per release, fan and platform: re-pre-saving updates it, concurrent
submissions never duplicate it, and bad input is refused before anything is written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from fanloop.fans.models import PreSave
from fanloop.fans.presaves import Attribution, record_presave
from fanloop.platforms.registry import UnknownPlatform

from .conftest import connect


def test_it_updates_instead_of_duplicating(spotify_app, release):
    fan, conn = connect(spotify_app)
    first, created = record_presave(
        fan, release, "spotify", attribution=Attribution(utm_source="tiktok")
    )
    again, created_again = record_presave(
        fan,
        release,
        "spotify",
        connection=conn,
        attribution=Attribution(utm_source="instagram", referrer_host="instagram.com"),
    )
    assert created and not created_again
    assert first.pk == again.pk and PreSave.objects.count() == 1
    stored = PreSave.objects.get()
    assert stored.connection == conn
    assert stored.utm_source == "tiktok"  # the first visit keeps the credit
    assert stored.referrer_host == "instagram.com"  # what it lacked is filled in
    assert stored.updated >= stored.created


def test_it_keeps_one_per_platform(spotify_app, deezer_app, release):
    fan, _ = connect(spotify_app, email="fan@example.org")
    connect(deezer_app, "dz", email="fan@example.org")
    record_presave(fan, release, "spotify")
    record_presave(fan, release, "deezer")
    record_presave(fan, release, "email")
    assert PreSave.objects.count() == 3


def test_it_survives_losing_the_insert_race(spotify_app, release, monkeypatch):
    """Another request inserted after our read: our insert fails, we re-read and update."""
    fan, conn = connect(spotify_app)
    PreSave.objects.create(release=release, fan=fan, platform="spotify")  # the other request
    original = PreSave.objects.filter
    reads = []

    def stale_first_read(*args, **kwargs):
        reads.append(kwargs)
        # Our first read happened before the other request's insert: it saw nothing.
        return PreSave.objects.none() if len(reads) == 1 else original(*args, **kwargs)

    monkeypatch.setattr(PreSave.objects, "filter", stale_first_read)
    _, created = record_presave(fan, release, "spotify", connection=conn)
    monkeypatch.undo()
    assert not created and len(reads) == 2
    assert PreSave.objects.count() == 1
    assert PreSave.objects.get().connection == conn


@pytest.mark.django_db(transaction=True)
def test_it_never_duplicates_under_concurrent_submissions(spotify_app, release):
    # SQLite's in-memory test database locks whole tables across threads ("database table
    # is locked", no busy wait): real concurrency is only meaningful on PostgreSQL.
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (DATABASE_URL)")
    fan, conn = connect(spotify_app)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(record_presave(fan, release, "spotify", connection=conn)[1])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert PreSave.objects.count() == 1
    assert results.count(True) == 1 and len(results) == 6


def test_it_refuses_an_unknown_platform(spotify_app, release):
    fan, _ = connect(spotify_app)
    with pytest.raises(UnknownPlatform):
        record_presave(fan, release, "napster")
    assert not PreSave.objects.exists()


def test_it_refuses_a_release_of_another_workspace(spotify_app, other_release):
    fan, _ = connect(spotify_app)
    with pytest.raises(ValueError):
        record_presave(fan, other_release, "spotify")
    assert not PreSave.objects.exists()


def test_it_refuses_a_connection_of_another_platform(spotify_app, release):
    fan, conn = connect(spotify_app)
    with pytest.raises(ValueError):
        record_presave(fan, release, "deezer", connection=conn)
    assert not PreSave.objects.exists()
