"""Portal links are signed, expire after links.PORTAL_LINK_DAYS, and reach only the one fan of
one workspace: tampered → 403, expired → 403 saying so, deleted or mismatched → 404."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fanloop.fans import links
from fanloop.fans.rights import delete_fan, portal_url

from .conftest import connect, make_app


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_it_refuses_a_tampered_link(connected):
    token = _token(portal_url(connected[0]))
    for bad in (token[:-3] + "abc", "x" + token, token.replace(":", ";"), "nonsense"):
        response = Client().get(reverse("fans:portal", args=[bad]))
        assert response.status_code == 403, bad
        assert "This link does not work" in response.content.decode()
        assert "fan@example.org" not in response.content.decode()


def test_it_refuses_an_expired_link(spotify_app, settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(links, "PORTAL_LINK_DAYS", 30)
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        fan, _ = connect(spotify_app)
        url = portal_url(fan)
    with time_machine.travel(dt.datetime(2026, 1, 30, tzinfo=dt.UTC), tick=False):
        assert Client().get(url).status_code == 200
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        response = Client().get(url)
    assert response.status_code == 403
    assert "This link has expired" in response.content.decode()


def test_it_does_not_reach_a_fan_through_another_workspace(connected, other_workspace):
    fan, _ = connected
    forged = links.portal_token(fan.pk, other_workspace.pk)  # validly signed, wrong pairing
    response = Client().get(reverse("fans:portal", args=[forged]))
    assert response.status_code == 404
    assert "fan@example.org" not in response.content.decode()


def test_it_shows_each_fan_only_their_own_data(connected, other_workspace):
    other_fan, _ = connect(make_app(other_workspace), "someone", email="other@example.org")
    page = Client().get(portal_url(other_fan)).content.decode()
    assert "other@example.org" in page and "fan@example.org" not in page


def test_it_is_404_once_the_fan_is_deleted(connected):
    url = portal_url(connected[0])
    delete_fan(connected[0])
    response = Client().get(url)
    assert response.status_code == 404
    assert "There is no data here" in response.content.decode()


def test_it_does_not_accept_an_email_confirmation_token(connected):
    confirm = links.confirm_token(connected[0].pk, "fan@example.org")
    assert Client().get(reverse("fans:portal", args=[confirm])).status_code == 403
