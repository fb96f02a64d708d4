"""The dashboard page listing, per upcoming release, the pre-savers who must reconnect before
release day (refresh token dies first) and those who already lost access."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from fanloop.catalog.services import create_release
from fanloop.fans.oauth_tokens import mark_needs_reconnect
from fanloop.fans.presaves import record_presave

from .conftest import connect


def test_it_lists_connections_to_renew_per_release(owner_client, workspace, artist, spotify_app):
    autumn = create_release(artist, {"title": "Autumn", "release_date": dt.date(2026, 9, 4)}, [])
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        old, conn = connect(spotify_app, "old", email="old@example.org")
        record_presave(old, autumn, "spotify", connection=conn)
        gone, broken = connect(spotify_app, "gone", email="gone@example.org")
        record_presave(gone, autumn, "spotify", connection=broken)
    mark_needs_reconnect(broken, "invalid_grant: revoked")
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=dt.UTC), tick=False):
        page = owner_client.get(
            reverse("fans:expiring", kwargs={"ws": workspace.slug})
        ).content.decode()
    assert "Autumn" in page
    assert "old@example.org" in page and "expires 2 Aug 2026" in page
    assert "gone@example.org" in page and "invalid_grant: revoked" in page


def test_it_says_when_nothing_is_upcoming(owner_client, workspace):
    page = owner_client.get(reverse("fans:expiring", kwargs={"ws": workspace.slug}))
    assert "No upcoming release." in page.content.decode()


def test_it_says_when_every_connection_lasts(owner_client, workspace, release, spotify_app):
    fan, conn = connect(spotify_app)
    record_presave(fan, release, "spotify", connection=conn)
    page = owner_client.get(reverse("fans:expiring", kwargs={"ws": workspace.slug}))
    assert "Every pre-saver's connection lasts until release day." in page.content.decode()
