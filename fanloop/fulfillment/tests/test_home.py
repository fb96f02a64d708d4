"""The workspace home (``catalog:dashboard``): numbers per release from the fan event log
(the fans' own acts; fanloop's release-day save is "delivered", never a save), this week's
change, what needs attention from every app, empty states, and a query count that does not
grow with the releases listed."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics import buffer
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release, publish_release
from fanloop.fans.models import ConnectionStatus, Fan, PlatformConnection
from fanloop.fulfillment.models import DeliveryState, DetectionStatus, PrecheckStatus
from fanloop.platforms.models import PlatformApp

from .ui_fixtures import deliveries, make_fans, state


def _home(client: Client, workspace: Workspace) -> str:
    response = client.get(reverse("catalog:dashboard", kwargs={"ws": workspace.slug}))
    assert response.status_code == 200
    return response.text


def _row(page: str, title: str) -> str:
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(title)}(?:(?!</tr>).)*</tr>", page, re.S)
    assert match, f"no row for {title}"
    return match.group(0)


def _numbers(row: str) -> dict[str, str]:
    cells = re.findall(
        r'data-label="([^"]+)"><strong>(\d+)</strong>(?:<br><span[^>]*>\+(\d+))?', row
    )
    return {label: f"{total}/{week or 0}" for label, total, week in cells}


def _event(fan: Fan, kind: str, release: Release, actor: str, days_ago: int = 0) -> None:
    event, _ = record_fan_event(
        fan, kind, key=f"{kind}:{fan.pk}:{release.pk}:{actor}", actor=actor, release=release
    )
    if days_ago:
        FanEvent.objects.filter(pk=event.pk).update(
            created=timezone.now() - dt.timedelta(days=days_ago)
        )


def _release(artist: Artist, title: str, days: int = 10) -> Release:
    return create_release(
        artist, {"title": title, "release_date": timezone.localdate() + dt.timedelta(days=days)}
    )


def test_a_new_workspace_shows_the_checklist_and_an_empty_state(owner_client, workspace):
    page = _home(owner_client, workspace)
    assert "Get your first page out" in page and "(0 of 5 done)" in page
    assert "Add your first artist" in page
    assert "Needs attention" not in page  # nothing to look at before a release exists


def test_numbers_count_the_fans_own_acts_and_this_weeks_change(owner_client, workspace):
    artist = create_artist(workspace, name="Nova Lights")
    release = _release(artist, "Midnight Signal")
    quiet = _release(artist, "Quiet One", days=20)
    fans = make_fans(workspace, 5)
    for n, fan in enumerate(fans):
        # Three fans pre-saved last month, two this week.
        _event(fan, FanEventKind.PRESAVED, release, Actor.FAN, days_ago=30 if n < 3 else 1)
    for fan in fans[:4]:  # fanloop's release-day saves: delivered, not saves
        _event(fan, FanEventKind.DELIVERY_SUCCEEDED, release, Actor.FANLOOP)
    _event(fans[0], FanEventKind.SAVED, release, Actor.FANLOOP)  # a flow's API save
    _event(fans[1], FanEventKind.SAVED, release, Actor.FAN, days_ago=10)
    _event(fans[2], FanEventKind.TRACK_SAVED, release, Actor.FAN)
    _event(fans[2], FanEventKind.SAVED, release, Actor.FAN)  # the same fan counts once
    _event(fans[3], FanEventKind.FOLLOWED, release, Actor.FAN)
    _event(fans[4], FanEventKind.FOLLOWED, release, Actor.FANLOOP)

    page = _home(owner_client, workspace)
    assert _numbers(_row(page, "Midnight Signal")) == {
        "Pre-saves": "5/2",
        "Delivered": "4/4",
        "Saves": "2/1",
        "Follows": "1/1",
    }
    assert _numbers(_row(page, "Quiet One")) == {
        "Pre-saves": "0/0",
        "Delivered": "0/0",
        "Saves": "0/0",
        "Follows": "0/0",
    }
    assert quiet.pk  # listed with zeros, not left out


def test_it_lists_what_needs_attention(owner_client, workspace):
    artist = create_artist(workspace, name="Nova Lights")
    out = _release(artist, "Already Out", days=-3)
    upcoming = _release(artist, "Coming Soon", days=5)
    app = PlatformApp.objects.create(
        workspace=workspace, platform="spotify", client_id="dev-app", mode="development"
    )
    fan = make_fans(workspace, 1)[0]
    PlatformConnection.objects.create(
        fan=fan, app=app, platform="spotify", status=ConnectionStatus.NEEDS_RECONNECT
    )
    deliveries(out, {DeliveryState.FAILED: 2, DeliveryState.DELIVERED: 1})
    state(out, "deezer", status=DetectionStatus.NOT_FOUND)
    # Not listed before the release instant: platforms list a release once it is out.
    state(upcoming, "spotify", precheck_status=PrecheckStatus.MISSING)

    page = _home(owner_client, workspace)
    attention = page.split('id="attention"', 1)[1].split("</section>", 1)[0]
    assert "No active app for Apple Music or Deezer" in attention
    assert "“dev-app” is in development mode" in attention
    assert "1 fan needs to reconnect" in attention
    assert "2 release-day saves of “Already Out” failed." in attention
    assert "“Already Out” is out but not found on Deezer" in attention
    assert "Coming Soon" not in attention
    assert reverse("fulfillment:progress", kwargs={"ws": workspace.slug, "pk": out.pk}) in attention


def test_the_checklist_disappears_once_a_fan_opened_a_published_page(owner_client, workspace):
    artist = create_artist(workspace, name="Nova Lights")
    release = _release(artist, "Midnight Signal")
    PlatformApp.objects.create(workspace=workspace, platform="spotify", client_id="a")
    publish_release(release)
    page = _home(owner_client, workspace)
    assert "(4 of 5 done)" in page and 'data-step="share"' in page
    fan_browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile")
    assert fan_browser.get(release.public_path).status_code == 200  # a fan opens the page
    buffer.events.flush()
    assert "Get your first page out" not in _home(owner_client, workspace)


def _queries(client: Client, workspace: Workspace) -> int:
    url = reverse("catalog:dashboard", kwargs={"ws": workspace.slug})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_home_costs_the_same_queries_for_2_or_12_releases(owner_client, workspace):
    artist = create_artist(workspace, name="Nova Lights")
    PlatformApp.objects.create(workspace=workspace, platform="spotify", client_id="a")

    def add(count: int) -> None:
        for n in range(count):
            release = _release(artist, f"Song {Release.objects.count():02d}", days=n - 1)
            publish_release(release)
            fans = make_fans(workspace, 2)
            for fan in fans:
                _event(fan, FanEventKind.PRESAVED, release, Actor.FAN)
                _event(fan, FanEventKind.SAVED, release, Actor.FAN)
            deliveries(release, {DeliveryState.FAILED: 1})
            state(release, "deezer", status=DetectionStatus.NOT_FOUND)

    add(2)
    _queries(owner_client, workspace)  # the first visit remembers the workspace in the session
    few = _queries(owner_client, workspace)
    add(10)
    many = _queries(owner_client, workspace)
    assert many == few
    # Session, user and membership; count and page; the numbers; the checklist and whether
    # a fan opened a page; platform apps, reconnects, failed deliveries, not found.
    assert many <= 13


def test_publishing_warns_about_platforms_offered_without_an_app(owner_client, workspace):
    artist = create_artist(workspace, name="Nova Lights")
    release = _release(artist, "Midnight Signal")
    PlatformApp.objects.create(workspace=workspace, platform="spotify", client_id="a")
    detail = reverse("catalog:release_detail", kwargs={"ws": workspace.slug, "pk": release.pk})
    page = owner_client.get(detail).text
    assert "Pre-save on Apple Music, Deezer is not open:" in page
    assert reverse("platforms:app_list", kwargs={"ws": workspace.slug}) in page
    publish = reverse("catalog:release_publish", kwargs={"ws": workspace.slug, "pk": release.pk})
    after = owner_client.post(publish, follow=True).text
    assert "Pre-save on Apple Music, Deezer is not open yet" in after
    for platform in ("applemusic", "deezer"):
        PlatformApp.objects.create(workspace=workspace, platform=platform, client_id=platform)
    assert 'id="missing-apps"' not in owner_client.get(detail).text
