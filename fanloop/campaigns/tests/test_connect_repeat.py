"""Pre-saving again updates the fan's one pre-save and connection: never a duplicate."""

from __future__ import annotations

import httpx

from fanloop.fans.models import Fan, PlatformConnection, PreSave

from .oauth_flow import Flow


def test_it_keeps_one_presave_when_the_fan_presaves_twice(flow: Flow) -> None:
    flow.round_trip("spotify")
    _, back = flow.round_trip("spotify", follow="1")
    assert back.status_code == 302
    assert (Fan.objects.count(), PlatformConnection.objects.count()) == (1, 1)
    assert PreSave.objects.count() == 1
    assert "user-follow-modify" in PlatformConnection.objects.get().scope_set


def test_it_keeps_one_fan_across_browsers_by_platform_user_id(flow: Flow) -> None:
    flow.round_trip("spotify")
    with httpx.Client(timeout=10) as browser:
        other = Flow(flow.admin, flow.release, flow.apps, browser)
        other.round_trip("spotify")
    assert Fan.objects.count() == 1 and PreSave.objects.count() == 1


def test_it_links_spotify_and_deezer_presaves_of_one_browser_to_one_fan(flow: Flow) -> None:
    flow.round_trip("spotify")
    flow.round_trip("deezer", email="dz@example.org")
    fan = Fan.objects.get()
    assert set(PreSave.objects.filter(fan=fan).values_list("platform", flat=True)) == {
        "spotify",
        "deezer",
    }
