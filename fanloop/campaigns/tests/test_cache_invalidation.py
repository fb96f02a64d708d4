"""Edits show on the public page: at once from this process, within a second from others."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.catalog.models import Artist, Release

NOW = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_it_shows_a_saved_title_at_once(release: Release) -> None:
    client = Client()
    with time_machine.travel(NOW, tick=False):
        assert b"Midnight Signal" in client.get("/nova-lights/midnight-signal").content
        release.title = "Daybreak Signal"
        release.save()
        html = client.get("/nova-lights/midnight-signal").content
    assert b"Daybreak Signal" in html
    assert b"Midnight Signal" not in html


def test_it_shows_a_renamed_artist_at_once(release: Release) -> None:
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.get("/nova-lights/midnight-signal")
        artist = Artist.objects.get(pk=release.artist_id)
        artist.name = "Nova Nights"
        artist.save()
        html = client.get("/nova-lights/midnight-signal").content
    assert b"Nova Nights" in html


def test_it_shows_an_edit_made_elsewhere_within_a_second(release: Release) -> None:
    # QuerySet.update sends no signal: like an edit saved by another process.
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.get("/nova-lights/midnight-signal")
        Release.objects.filter(pk=release.pk).update(title="Elsewhere")
        stale = client.get("/nova-lights/midnight-signal").content
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        fresh = client.get("/nova-lights/midnight-signal").content
    assert b"Midnight Signal" in stale  # served from memory inside the revalidation window
    assert b"Elsewhere" in fresh


def test_it_stops_serving_a_deleted_release(release: Release) -> None:
    client = Client()
    client.get("/nova-lights/midnight-signal")
    release.delete()
    assert client.get("/nova-lights/midnight-signal").status_code == 404


def test_it_follows_a_slug_change(release: Release) -> None:
    client = Client()
    client.get("/nova-lights/midnight-signal")
    release.slug = "midnight-signal-remastered"
    release.save()
    assert client.get("/nova-lights/midnight-signal").status_code == 404
    assert client.get("/nova-lights/midnight-signal-remastered").status_code == 200
