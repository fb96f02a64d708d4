"""The OAuth state is signed, bound to the browser session, single-use and short-lived:
any other state is refused before a code is exchanged, and nothing is written."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import signing
from django.test import Client

from fanloop.campaigns.connect import STATE_SALT
from fanloop.fans.models import Fan, PreSave

from .oauth_flow import Flow


def _answer(flow: Flow) -> dict[str, str]:
    started = flow.start("spotify")
    return flow.authorize(started["Location"], "fan1@example.org")


def test_it_refuses_a_tampered_state(flow: Flow) -> None:
    answer = _answer(flow)
    answer["state"] = answer["state"][:-2] + ("AA" if answer["state"][-2:] != "AA" else "BB")
    back = flow.callback("spotify", answer)
    assert back.status_code == 400
    assert "could not be verified" in back.content.decode()
    assert not Fan.objects.exists()


def test_it_refuses_a_state_signed_for_another_release(flow: Flow) -> None:
    answer = _answer(flow)
    payload = signing.loads(answer["state"], salt=STATE_SALT)
    answer["state"] = signing.dumps({**payload, "r": payload["r"] + 1}, salt=STATE_SALT)
    assert flow.callback("spotify", answer).status_code == 400
    assert not Fan.objects.exists()


def test_it_refuses_a_state_from_another_platform(flow: Flow) -> None:
    answer = _answer(flow)
    back = flow.callback("deezer", answer)
    assert back.status_code == 400
    assert not Fan.objects.exists()


def test_it_refuses_a_state_from_another_browser(flow: Flow) -> None:
    answer = _answer(flow)
    back = flow.callback("spotify", answer, client=Client())
    assert back.status_code == 400
    assert "started in another browser" in back.content.decode()
    assert not Fan.objects.exists()


def test_it_refuses_a_replayed_state(flow: Flow) -> None:
    answer = _answer(flow)
    assert flow.callback("spotify", answer).status_code == 302
    again = flow.callback("spotify", answer)
    assert again.status_code == 400
    assert "already completed" in again.content.decode()
    assert PreSave.objects.count() == 1


def test_it_refuses_an_expired_state(flow: Flow) -> None:
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as clock:
        answer = _answer(flow)
        clock.shift(dt.timedelta(seconds=601))
        back = flow.callback("spotify", answer)
    assert back.status_code == 400
    assert "took too long" in back.content.decode()
    assert not Fan.objects.exists()


def test_it_refuses_a_missing_state(flow: Flow) -> None:
    back = flow.client.get("/connect/spotify/callback", {"code": "x"})
    assert back.status_code == 400
    assert not Fan.objects.exists()


def test_it_keeps_only_the_most_recent_pending_attempts(flow: Flow) -> None:
    first = _answer(flow)
    for _ in range(5):
        flow.start("spotify")
    assert len(flow.client.session["fanloop_oauth_pending"]) == 5
    assert flow.callback("spotify", first).status_code == 400
