"""The stored leverage groups: what the pages read equals a fresh computation after new fan
events, a changed release date and a deleted fan; the worker recomputes what went stale."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release, update_release
from fanloop.fans.models import Fan
from fanloop.fans.rights import delete_fan
from fanloop.insights import leverage, leverage_results, rollup
from fanloop.insights.models import LeverageGroup, LeverageState

KINDS = (
    FanEventKind.PRESAVED,
    FanEventKind.SAVED,
    FanEventKind.TRACK_SAVED,
    FanEventKind.FOLLOWED,
    FanEventKind.EMAIL_CLICKED,
    FanEventKind.EMAIL_OPENED,
)


def _artist(workspace: Workspace, name: str) -> tuple[Artist, list[Release]]:
    artist = create_artist(workspace, name=name)
    today = timezone.now().date()
    return artist, [
        create_release(artist, {"title": f"{name} {i}", "release_date": today + day}, [])
        for i, day in enumerate(dt.timedelta(days=d) for d in (-70, -20, 10))
    ]


def _events(workspace: Workspace, fans: list[Fan], releases: list[Release], tag: str,
            rng: random.Random, count: int) -> None:  # fmt: skip
    record_fan_events(
        NewFanEvent(
            workspace_id=workspace.pk,
            fan_id=rng.choice(fans).pk,
            kind=rng.choice(KINDS),
            key=f"{tag}:{n}",
            actor=Actor.FAN if rng.random() < 0.8 else Actor.FANLOOP,
            artist_id=release.artist_id,
            release_id=release.pk,
        )
        for n, release in enumerate(rng.choice(releases) for _ in range(count))
    )


def _shown(artist: Artist, workspace: Workspace) -> list[object]:
    """What the leverage page shows: the artist's table, the workspace's, the sources."""
    return [
        {
            k: v
            for k, v in leverage.as_dict(leverage.artist_table(artist), artist).items()
            if k != "computed_at"
        },
        {
            k: v
            for k, v in leverage.as_dict(leverage.workspace_table(workspace), None).items()
            if k != "computed_at"
        },
        leverage.by_source(list(Artist.objects.filter(workspace=workspace))),
    ]


def _fresh(artist: Artist, workspace: Workspace) -> list[object]:
    """The same, computed from the facts as they are now."""
    LeverageGroup.objects.all().delete()
    LeverageState.objects.all().delete()
    return _shown(artist, workspace)


def _setup(workspace: Workspace) -> tuple[Artist, list[Release], list[Fan], random.Random]:
    rng = random.Random(18)
    artist, releases = _artist(workspace, "Stored")
    _, others = _artist(workspace, "Other")
    fans = list(
        Fan.objects.bulk_create(
            Fan(workspace=workspace, email=f"fan{i}@example.org") for i in range(60)
        )
    )
    _events(workspace, fans, releases + others, "old", rng, 300)
    rollup.catch_up(settle_seconds=0)
    leverage_results.refresh_stale()
    return artist, releases + others, fans, rng


def test_after_new_events_the_worker_recomputes_and_pages_show_a_fresh_computation(workspace):
    artist, releases, fans, rng = _setup(workspace)
    before = _shown(artist, workspace)
    assert LeverageState.objects.count() == 2
    _events(workspace, fans, releases, "new", rng, 300)
    rollup.catch_up(settle_seconds=0)
    assert leverage_results.refresh_stale() == 2
    assert leverage_results.refresh_stale() == 0
    stored = _shown(artist, workspace)
    assert stored != before
    assert stored == _fresh(artist, workspace)


def test_a_reader_recomputes_groups_the_catch_up_made_out_of_date(workspace):
    artist, releases, fans, rng = _setup(workspace)
    computed = LeverageState.objects.get(artist=artist).computed_at
    _events(workspace, fans, releases, "new", rng, 300)
    rollup.catch_up(settle_seconds=0)
    table = leverage.artist_table(artist)
    assert table.computed_at is not None and computed is not None
    assert table.computed_at > computed
    assert _shown(artist, workspace) == _fresh(artist, workspace)


def test_the_page_says_when_the_table_was_computed(owner_client, workspace):
    artist, _, _, _ = _setup(workspace)
    computed = LeverageState.objects.get(artist=artist).computed_at
    assert computed is not None
    page = owner_client.get(f"/w/{workspace.slug}/insights/leverage/?artist={artist.pk}")
    assert f"As of {timezone.localtime(computed):%H:%M}" in page.content.decode()


def test_a_new_release_date_or_a_deleted_fan_recomputes_the_groups(workspace):
    artist, releases, fans, _ = _setup(workspace)
    first = releases[0]
    update_release(first, {"release_date": first.release_date + dt.timedelta(days=60)})
    assert _shown(artist, workspace) == _fresh(artist, workspace)
    leverage_results.refresh_stale()
    before = _shown(artist, workspace)
    for fan in fans[:20]:
        delete_fan(fan)
    after = _shown(artist, workspace)
    assert after != before
    assert after == _fresh(artist, workspace)
