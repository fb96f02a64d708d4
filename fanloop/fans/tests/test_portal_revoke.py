"""Withdrawing a consent from the portal appends a "no" row (page: the portal, never the
token); an unknown kind or a foreign artist is refused with nothing written."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from fanloop.fans.consent_log import current_consents
from fanloop.fans.models import Consent, Fan
from fanloop.fans.portal import PORTAL_PAGE

from .conftest import token_of


def _url(fan: Fan) -> tuple[str, str]:
    token = token_of(fan)
    return reverse("fans:portal_revoke", args=[token]), token


def test_it_withdraws_a_consent(connected, release):
    fan, _ = connected
    url, token = _url(fan)
    response = Client().post(url, {"kind": "follow", "artist": release.artist.pk})
    assert response.status_code == 302 and response["Location"].endswith("?done=revoked")
    latest = current_consents(fan, artist=release.artist)["follow"]
    assert latest is not None and latest.granted is False
    assert latest.page == PORTAL_PAGE and token not in latest.page
    email = current_consents(fan, artist=release.artist)["email"]
    assert email is not None and email.granted is True  # the others stay


def test_it_withdraws_a_kind_for_every_artist(connected, release):
    fan, _ = connected
    Client().post(_url(fan)[0], {"kind": "email"})
    email = current_consents(fan, artist=release.artist)["email"]
    assert email is not None and email.granted is False


def test_it_says_when_there_was_nothing_to_withdraw(connected):
    fan, _ = connected
    response = Client().post(_url(fan)[0], {"kind": "verify"})
    assert response["Location"].endswith("?done=nothing")


def test_it_refuses_an_unknown_kind(connected):
    fan, _ = connected
    before = Consent.objects.count()
    response = Client().post(_url(fan)[0], {"kind": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert "This consent does not exist" in response.content.decode()
    assert "<script>alert(1)" not in response.content.decode()
    assert Consent.objects.count() == before


def test_it_refuses_a_foreign_or_malformed_artist(connected, other_artist):
    fan, _ = connected
    before = Consent.objects.count()
    assert (
        Client().post(_url(fan)[0], {"kind": "follow", "artist": other_artist.pk}).status_code
        == 404
    )
    assert Client().post(_url(fan)[0], {"kind": "follow", "artist": "1 OR 1"}).status_code == 400
    assert Consent.objects.count() == before
