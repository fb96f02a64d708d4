"""The daily follower snapshot, against the emulator over HTTP: Deezer's public ``nb_fan``
(no app needed), Spotify's ``followers.total`` for an extended-quota app only (development
mode leaves the field out, so nothing is recorded), run by the worker's scheduled workflow."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist
from fanloop.catalog.services import create_artist
from fanloop.insights import audience
from fanloop.insights.models import AudiencePoint
from fanloop.platforms.tests.app_factories import SPOTIFY_ID, SPOTIFY_SECRET, spotify_app
from fanloop.platforms.tests.conftest import (  # noqa: F401 - fixtures, used by name
    admin,
    emulator_url,
    platform_settings,
)
from fanloop.platforms.tests.helpers import REDIRECT


def seeded_artist(admin: AdminClient, workspace: Workspace, followers: int) -> Artist:  # noqa: F811
    seeded = admin.catalog(
        artists=[{"key": "band", "name": "The Emulators", "followers": followers}], albums=[]
    )
    ids = seeded["artists"][0]["ids"]
    artist = create_artist(workspace, name="The Emulators")
    platform_ids.write_artist_ids(artist, {key: (ids[key], "") for key in ("spotify", "deezer")})
    return artist


def spotify_in_emulator(admin: AdminClient, mode: str) -> None:  # noqa: F811
    admin.app(
        platform="spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        redirect_uris=[REDIRECT],
        mode=mode,
        name="fanloop",
        users=["fan1@example.org"],
    )


def followers(artist: Artist) -> dict[str, int]:
    return dict(
        AudiencePoint.objects.filter(artist=artist, metric="followers").values_list(
            "source", "value"
        )
    )


@pytest.mark.django_db
def test_a_development_mode_app_gets_no_spotify_count_and_deezer_needs_no_app(
    admin: AdminClient,  # noqa: F811
    platform_settings: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    spotify_in_emulator(admin, "development")
    spotify_app(workspace)  # development mode, the default
    artist = seeded_artist(admin, workspace, 1000)
    result = audience.snapshot_artist(artist, timezone.now())
    assert (result.taken, result.not_exposed, result.failed) == (1, 1, 0)
    assert followers(artist) == {"api_deezer": 1000}


@pytest.mark.django_db
def test_an_extended_app_gets_spotify_followers_and_a_second_snapshot_overwrites(
    admin: AdminClient,  # noqa: F811
    platform_settings: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    spotify_in_emulator(admin, "extended")
    spotify_app(workspace, mode="extended", user_cap=None)
    artist = seeded_artist(admin, workspace, 1000)
    audience.snapshot_artist(artist, timezone.now())
    assert followers(artist) == {"api_deezer": 1000, "api_spotify": 1000}
    seeded_artist(admin, Workspace.objects.get(pk=workspace.pk), 1200)  # the count grows
    audience.snapshot_artist(artist, timezone.now())
    assert followers(artist) == {"api_deezer": 1200, "api_spotify": 1200}
    assert AudiencePoint.objects.filter(artist=artist).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="DBOS test on SQLite only")
def test_the_scheduled_workflow_takes_the_daily_snapshot(
    dbos_runtime: None,
    admin: AdminClient,  # noqa: F811
    platform_settings: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    from dbos import DBOS

    from fanloop.insights.workflows import SNAPSHOT_SCHEDULE_NAME, audience_snapshot
    from fanloop.ops.worker import start_schedules

    artist = seeded_artist(admin, workspace, 777)
    create_artist(workspace, name="No platform ids")
    DBOS.start_workflow(audience_snapshot, timezone.now(), None).get_result()
    assert followers(artist) == {"api_deezer": 777}
    point = AudiencePoint.objects.get(artist=artist)
    assert point.day == timezone.localdate() and point.workspace_id == workspace.pk

    start_schedules(["fanloop.insights.workflows"])
    schedule = DBOS.get_schedule(SNAPSHOT_SCHEDULE_NAME)
    assert schedule is not None
    assert schedule["workflow_name"].endswith("insights.audience_snapshot")


@pytest.mark.django_db
def test_a_failing_platform_records_nothing_and_the_others_go_on(
    admin: AdminClient,  # noqa: F811
    platform_settings: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    spotify_in_emulator(admin, "extended")
    spotify_app(workspace, mode="extended", user_cap=None)
    artist = seeded_artist(admin, workspace, 1000)
    admin.faults(seed=1, platforms=["deezer"], error_rate={"503": 1.0})
    result = audience.snapshot_artist(artist, timezone.now())
    assert (result.taken, result.failed) == (1, 1)
    assert followers(artist) == {"api_spotify": 1000}
