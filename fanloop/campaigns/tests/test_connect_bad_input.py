"""Pre-save links with an unknown platform or release, a release of no public page, or a
release already out: a clear page or the release page, never an authorization."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.catalog.models import Release

from .oauth_flow import Flow


def test_it_returns_404_for_an_unknown_platform(flow: Flow) -> None:
    response = flow.start("napster")
    assert response.status_code == 404
    assert "not a streaming service we support" in response.content.decode()


def test_it_returns_404_for_an_unknown_or_malformed_release(flow: Flow) -> None:
    for value in ("999999", "abc", "", "-1", "9" * 40):
        response = Client().get("/connect/spotify/start", {"release": value})
        assert response.status_code == 404, value
        assert "does not exist or is not public" in response.content.decode()


def test_it_returns_404_for_an_unpublished_release(flow: Flow) -> None:
    Release.objects.filter(pk=flow.release.pk).update(published=False)
    assert flow.start("spotify").status_code == 404


def test_it_refuses_a_release_of_another_workspace_in_the_callback(
    flow: Flow, outsider: object
) -> None:
    """The app of the pending attempt must belong to the release's workspace."""
    from fanloop.accounts.models import Workspace
    from fanloop.analytics.tests.factories import make_artist, make_release

    other_ws = Workspace.objects.exclude(pk=flow.release.artist.workspace_id).get()
    other = make_release(make_artist(other_ws, slug="other"), short_code="zzz9999")
    started = flow.start("spotify")
    session = flow.client.session
    pending = session["fanloop_oauth_pending"]
    for attempt in pending.values():
        attempt["release"] = other.pk
    session["fanloop_oauth_pending"] = pending
    session.save()
    answer = flow.authorize(started["Location"], "fan1@example.org")
    assert flow.callback("spotify", answer).status_code == 400


def test_it_sends_the_fan_back_to_the_page_once_the_release_is_out(flow: Flow) -> None:
    with time_machine.travel(dt.datetime(2030, 3, 16, tzinfo=dt.UTC)):
        response = flow.start("spotify")
    assert response.status_code == 302
    assert response["Location"] == "/nova-lights/midnight-signal"


def test_it_refuses_post(flow: Flow) -> None:
    response = flow.client.post(f"/connect/spotify/start?release={flow.release.pk}")
    assert response.status_code == 405


def test_it_follows_no_next_parameter(flow: Flow) -> None:
    started = flow.start("spotify", next="https://evil.example/")
    assert "evil.example" not in started["Location"]
    answer = flow.authorize(started["Location"], "fan1@example.org")
    back = flow.callback("spotify", {**answer, "next": "https://evil.example/"})
    assert back["Location"] == "/nova-lights/midnight-signal/thanks"
