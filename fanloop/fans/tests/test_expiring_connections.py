"""Spotify refresh tokens die six months after the authorization: the pre-savers of a release
whose token dies before its first instant are listed (service and command), others not."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from fanloop.catalog.models import Release
from fanloop.catalog.services import create_release
from fanloop.fans.models import PlatformConnection
from fanloop.fans.oauth_tokens import expiring_connections, mark_needs_reconnect
from fanloop.fans.presaves import record_presave
from fanloop.platforms.models import PlatformApp

from .conftest import connect

RELEASE_DAY = dt.date(2026, 9, 4)


@pytest.fixture
def autumn_release(artist):
    return create_release(artist, {"title": "Autumn", "release_date": RELEASE_DAY}, [])


def _presaver(
    app: PlatformApp,
    release: Release,
    user_id: str,
    authorized: dt.datetime,
    platform: str = "spotify",
) -> PlatformConnection:
    with time_machine.travel(authorized, tick=False):
        fan, conn = connect(app, user_id, email=f"{user_id}@example.org")
        record_presave(fan, release, platform, connection=conn)
    return conn


def test_it_lists_connections_expiring_before_the_release(spotify_app, autumn_release):
    early = _presaver(spotify_app, autumn_release, "early", dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    late = _presaver(spotify_app, autumn_release, "late", dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    found = list(expiring_connections(autumn_release))
    assert found == [early]
    assert late.refresh_token_expires_at() > autumn_release.first_instant()


def test_it_uses_the_first_instant_anywhere(spotify_app, autumn_release):
    # 182 days before midnight in the earliest market (UTC+14 on 4 Sep = 3 Sep 10:00 UTC).
    deadline = autumn_release.first_instant() - dt.timedelta(days=182)
    just_before = _presaver(spotify_app, autumn_release, "a", deadline - dt.timedelta(minutes=1))
    _presaver(spotify_app, autumn_release, "b", deadline + dt.timedelta(minutes=1))
    assert list(expiring_connections(autumn_release)) == [just_before]


def test_it_ignores_other_platforms_other_releases_and_broken_connections(
    spotify_app, deezer_app, autumn_release, release
):
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    _presaver(deezer_app, autumn_release, "dz", long_ago, platform="deezer")
    _presaver(spotify_app, release, "other-release", long_ago)
    broken = _presaver(spotify_app, autumn_release, "broken", long_ago)
    mark_needs_reconnect(broken, "invalid_grant")
    assert list(expiring_connections(autumn_release)) == []


def test_it_lists_them_per_upcoming_release_from_the_command(spotify_app, autumn_release):
    _presaver(spotify_app, autumn_release, "early", dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    broken = _presaver(spotify_app, autumn_release, "gone", dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    mark_needs_reconnect(broken, "invalid_grant: revoked")
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=dt.UTC), tick=False):
        call_command("expiring_connections", stdout=out)
        text = out.getvalue()
        assert f"#{autumn_release.pk} The Lanterns — Autumn" in text
        assert "expiring  spotify" in text and "early@example.org" in text
        assert "broken    spotify" in text and "invalid_grant: revoked" in text
        assert "2 connection(s) to renew in 1 release(s)" in text
        out = io.StringIO()
        call_command("expiring_connections", days=7, stdout=out)  # release is 34 days away
        assert "No upcoming release." in out.getvalue()


def test_it_reports_one_release_by_id(spotify_app, autumn_release):
    out = io.StringIO()
    call_command("expiring_connections", release=autumn_release.pk, stdout=out)
    assert "none: every pre-saver's connection lasts until release day" in out.getvalue()
    with pytest.raises(CommandError, match="No release with id"):
        call_command("expiring_connections", release=999999, stdout=io.StringIO())
