"""Save and follow verification against the emulator: +1 d / +7 d / +30 d checkpoints for
fans who allowed it, idempotent, one platform call per fan, results driving conditions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import time_machine
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans import consent_log
from fanloop.fans.models import ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.flows import steps
from fanloop.flows.conditions import Subject, evaluate
from fanloop.flows.verification import due_checks, verify_due
from fanloop.platforms.base import ItemRef
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.helpers import route_count

from .ui_fixtures import connect_spotify, register_apps, seed_album

pytestmark = pytest.mark.django_db
CONTAINS = "GET /spotify/v1/me/library/contains"


@pytest.fixture
def apps(admin: AdminClient, platform_settings: Any, workspace: Any) -> dict[str, PlatformApp]:
    return register_apps(admin, workspace)


@pytest.fixture
def ids(admin: AdminClient, release: Release) -> dict[str, str]:
    return seed_album(admin, release)


def presaver(
    admin: AdminClient,
    app: PlatformApp,
    fan: Fan,
    release: Release,
    *,
    verify: bool = True,
    follow: bool = False,
    **kw: Any,
) -> PlatformConnection:
    connection = connect_spotify(admin, fan, app, **kw)
    PreSave.objects.create(release=release, fan=fan, platform="spotify", connection=connection)
    if verify:
        consent_log.record_consent(fan, ConsentKind.VERIFY, True, page="/p")
    if follow:
        consent_log.record_consent(fan, ConsentKind.FOLLOW, True, page="/p", artist=release.artist)
    return connection


def save(connection: PlatformConnection, *items: ItemRef) -> None:
    from fanloop.flows.grants import call_with_tokens

    call_with_tokens(connection, lambda adapter, tokens: adapter.save(tokens, list(items)))


def unsave(emulator_url: str, connection: PlatformConnection, album_id: str) -> None:
    """The fan removes the album in their app (the emulator's DELETE /me/library)."""
    response = httpx.delete(
        f"{emulator_url}/spotify/v1/me/library",
        params={"uris": f"spotify:album:{album_id}"},
        headers={"Authorization": f"Bearer {connection.access_token}"},
    )
    assert response.status_code == 200, response.text


def at(release: Release, days: int, hours: int = 1) -> dt.datetime:
    return release.instant_for_market("DE") + dt.timedelta(days=days, hours=hours)


def kinds(fan: Fan) -> list[tuple[str, str]]:
    rows = FanEvent.objects.filter(fan=fan, key__startswith="verify:").order_by("id")
    return [(e.kind, e.data.get("checkpoint", "")) for e in rows]


def test_it_verifies_a_kept_save_at_each_checkpoint_once(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connection = presaver(admin, apps["spotify"], fan, release)
    save(connection, ItemRef("album", ids["spotify_album"]))
    for days in (1, 7, 30):
        with time_machine.travel(at(release, days)):
            report = verify_due()
            assert report.checked == 1 and report.saved == 1
            assert verify_due().checked == 0  # done: not checked again
    assert kinds(fan) == [
        (FanEventKind.SAVE_VERIFIED, "1d"),
        (FanEventKind.SAVE_KEPT_7D, "7d"),
        (FanEventKind.SAVE_KEPT_30D, "30d"),
    ]
    assert route_count(admin, CONTAINS) == 3  # one call per fan and checkpoint
    event = FanEvent.objects.get(kind=FanEventKind.SAVE_VERIFIED)
    assert event.key == f"verify:{release.pk}:{fan.pk}:spotify:1d"
    assert (event.release, event.platform) == (release, "spotify")


def test_a_removed_save_is_recorded_missing_and_drives_has_saved(
    admin: AdminClient, emulator_url: str, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connection = presaver(admin, apps["spotify"], fan, release)
    save(connection, ItemRef("album", ids["spotify_album"]))
    subject = Subject(fan, release, release.artist)
    condition = {"check": "has_saved", "negate": False}
    assert evaluate(condition, subject)[0] is False  # nothing verified yet
    with time_machine.travel(at(release, 1)):
        verify_due()
    assert evaluate(condition, subject)[0] is True
    unsave(emulator_url, connection, ids["spotify_album"])
    with time_machine.travel(at(release, 7)):
        report = verify_due()
    assert report.missing == 1
    assert kinds(fan)[-1] == (FanEventKind.SAVE_MISSING, "7d")
    assert evaluate(condition, subject)[0] is False
    assert evaluate({**condition, "negate": True}, subject)[0] is True  # a save prompt again


def test_a_fan_who_never_saved_is_missing_at_plus_one_day(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    presaver(admin, apps["spotify"], fan, release)
    with time_machine.travel(at(release, 1)):
        verify_due()
    assert kinds(fan) == [(FanEventKind.SAVE_MISSING, "1d")]


def test_it_verifies_a_follow_when_the_fan_agreed_to_follow(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    connection = presaver(admin, apps["spotify"], fan, release, follow=True)
    save(
        connection, ItemRef("album", ids["spotify_album"]), ItemRef("artist", ids["spotify_artist"])
    )
    with time_machine.travel(at(release, 1)):
        report = verify_due()
    assert report.follows == 1 and report.checked == 1
    assert route_count(admin, CONTAINS) == 1  # album and artist in one call
    follow = FanEvent.objects.get(kind=FanEventKind.FOLLOW_VERIFIED)
    assert follow.key == f"verify:{release.pk}:{fan.pk}:spotify:1d:follow"
    subject = Subject(fan, release, release.artist)
    assert evaluate({"check": "is_following", "negate": False}, subject)[0] is True


def test_it_checks_nobody_without_the_verify_consent_or_the_read_scope(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release, workspace: Any
) -> None:
    presaver(admin, apps["spotify"], fan, release, verify=False)
    other = Fan.objects.create(workspace=workspace, email="fan2@example.org")
    presaver(admin, apps["spotify"], other, release, user_id="fan2", scopes="user-library-modify")
    with time_machine.travel(at(release, 1)):
        assert due_checks() == []
        assert verify_due().checked == 0
    assert route_count(admin, CONTAINS) == 0


def test_a_withdrawn_verify_consent_stops_the_checks(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    presaver(admin, apps["spotify"], fan, release)
    consent_log.revoke_consent(fan, ConsentKind.VERIFY, page="/me")
    with time_machine.travel(at(release, 1)):
        assert due_checks() == []


def test_nothing_is_due_before_the_checkpoint_or_long_after_it(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    presaver(admin, apps["spotify"], fan, release)
    with time_machine.travel(at(release, 0, hours=20)):
        assert due_checks() == []
    with time_machine.travel(at(release, 1)):
        assert [c.checkpoint for c in due_checks()] == ["1d"]
    with time_machine.travel(at(release, 5)):
        assert due_checks() == []  # +1 d is more than 3 days late, +7 d not yet due


def test_a_failed_call_writes_nothing_and_is_retried(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    presaver(admin, apps["spotify"], fan, release)
    admin.faults(platforms=["spotify"], error_rate={"503": 1.0})
    with time_machine.travel(at(release, 1)):
        report = verify_due()
        assert report.failed == 1 and kinds(fan) == []
        admin.faults()
        assert verify_due().checked == 1
    assert kinds(fan) == [(FanEventKind.SAVE_MISSING, "1d")]


def test_the_sweep_runs_as_a_dbos_workflow(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release, dbos_runtime: None
) -> None:
    from dbos import DBOS

    from fanloop.flows.verification import verification_sweep

    presaver(admin, apps["spotify"], fan, release)
    with time_machine.travel(at(release, 1), tick=True):
        handle = DBOS.start_workflow(verification_sweep, timezone.now(), None)
        handle.get_result()
    assert kinds(fan) == [(FanEventKind.SAVE_MISSING, "1d")]


def test_the_worker_applies_the_configured_schedule(
    dbos_runtime: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbos import DBOS

    from fanloop.flows import verification
    from fanloop.flows.verification import SCHEDULE_NAME
    from fanloop.ops.worker import start_schedules

    monkeypatch.setattr(verification, "VERIFY_SCHEDULE", "0 */5 * * * *")
    start_schedules(["fanloop.flows.verification"])
    schedule = DBOS.get_schedule(SCHEDULE_NAME)
    assert schedule is not None
    assert schedule["schedule"] == "0 */5 * * * *"
    assert schedule["workflow_name"].endswith("verification_sweep")


def test_a_track_the_fan_saved_on_their_own_is_read_back_once(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    """The fan saves a track in their app (the emulator's admin acts): the next check reads
    it back through the platform API and records the fan's own TRACK_SAVED, once."""
    from fanloop.analytics.models import Actor
    from fanloop.fulfillment.models import ReleasePlatform

    seeded = admin.http.get("/catalog").json()
    track = next(a for a in seeded["albums"] if a["key"] == "signal")["tracks"][0]
    ReleasePlatform.objects.create(
        release=release, platform="spotify", track_ids=[track["ids"]["spotify"]]
    )
    connection = presaver(admin, apps["spotify"], fan, release)
    save(connection, ItemRef("album", ids["spotify_album"]))
    with time_machine.travel(at(release, 1)):
        verify_due()
    assert not FanEvent.objects.filter(kind=FanEventKind.TRACK_SAVED).exists()
    admin.act(platform="spotify", user_id="fan1", act="save", type="track", key=track["key"])
    for days in (7, 30):
        with time_machine.travel(at(release, days)):
            verify_due()
    saved = FanEvent.objects.get(kind=FanEventKind.TRACK_SAVED)
    assert (saved.fan, saved.actor, saved.data["track"]) == (
        fan,
        Actor.FAN,
        track["ids"]["spotify"],
    )
    assert route_count(admin, CONTAINS) == 3  # still one call per checkpoint


def test_tracks_fanloop_saved_itself_are_not_the_fans(
    admin: AdminClient, apps: Any, ids: Any, fan: Fan, release: Release
) -> None:
    from fanloop.fulfillment.models import ReleasePlatform

    seeded = admin.http.get("/catalog").json()
    track = next(a for a in seeded["albums"] if a["key"] == "signal")["tracks"][0]
    ReleasePlatform.objects.create(
        release=release,
        platform="spotify",
        track_ids=[track["ids"]["spotify"]],
        include_tracks=True,
    )
    connection = presaver(admin, apps["spotify"], fan, release)
    save(
        connection,
        ItemRef("album", ids["spotify_album"]),
        ItemRef("track", track["ids"]["spotify"]),
    )
    with time_machine.travel(at(release, 1)):
        verify_due()
    assert not FanEvent.objects.filter(kind=FanEventKind.TRACK_SAVED).exists()


def test_results_show_on_the_fan_page_the_release_page_and_the_csv(
    admin: AdminClient,
    emulator_url: str,
    apps: Any,
    ids: Any,
    fan: Fan,
    release: Release,
    viewer_client: Any,
) -> None:
    """Kept / removed with dates on the fan page, kept shares of the fans checked on the
    release page, every pre-saver in the CSV; a fan who allowed no checks is "not
    checked", never counted as not saved."""
    from django.urls import reverse

    from fanloop.flows.checks import release_checks

    workspace = release.artist.workspace
    remover = Fan.objects.create(workspace=workspace, email="remover@example.org")
    unchecked = Fan.objects.create(workspace=workspace, email="quiet@example.org")
    album = ItemRef("album", ids["spotify_album"])
    save(presaver(admin, apps["spotify"], fan, release), album)
    removing = presaver(admin, apps["spotify"], remover, release, user_id="fan2")
    save(removing, album)
    save(presaver(admin, apps["spotify"], unchecked, release, verify=False, user_id="fan3"), album)
    with time_machine.travel(at(release, 1)):
        verify_due()
    unsave(emulator_url, removing, ids["spotify_album"])
    with time_machine.travel(at(release, 7)):
        verify_due()

    checks = release_checks(release)
    assert checks.audience == 3
    assert checks.rows[:2] == [("1 day", 2, 2, 100, 1), ("7 days", 1, 2, 50, 1)]
    assert checks.rows[2] == ("30 days", 0, 0, None, 3)

    ws = workspace.slug
    page = viewer_client.get(reverse("catalog:release_detail", kwargs={"ws": ws, "pk": release.pk}))
    panel = page.content.decode().split('id="checks-h"')[1].split("</section>")[0]
    assert "<td>7 days</td><td>1</td><td>2</td><td>50 %</td><td>1</td>" in panel

    def fan_page(who: Fan) -> str:
        html = viewer_client.get(reverse("fans:fan_detail", kwargs={"ws": ws, "pk": who.pk}))
        return html.content.decode().split('id="library-checks"')[1].split('id="activity"')[0]

    assert fan_page(remover).count("removed") == 1 and fan_page(remover).count(">kept<") == 1
    assert "removed" not in fan_page(unchecked) and "kept" not in fan_page(unchecked)

    csv = viewer_client.get(
        reverse("flows:checks_csv", kwargs={"ws": ws}) + f"?release={release.pk}"
    )
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "fan,email,kept_1d,kept_7d,kept_30d,tracks_saved,last_checked"
    by_email = {line.split(",")[1]: line.split(",")[2:6] for line in lines[1:]}
    assert by_email == {
        fan.email: ["kept", "kept", "not checked", "0"],
        "remover@example.org": ["kept", "removed", "not checked", "0"],
        "quiet@example.org": ["not checked", "not checked", "not checked", "0"],
    }


def test_checkpoints_scale_with_flow_waits(
    admin: AdminClient,
    apps: Any,
    ids: Any,
    fan: Fan,
    release: Release,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's days pass in minutes (steps.WAIT_SCALE), its library checks with them."""
    monkeypatch.setattr(steps, "WAIT_SCALE", 0.001)  # one day: 86.4 s
    presaver(admin, apps["spotify"], fan, release)
    instant = release.instant_for_market("DE")
    assert due_checks(instant + dt.timedelta(seconds=80)) == []
    assert [c.checkpoint for c in due_checks(instant + dt.timedelta(seconds=90))] == ["1d"]
