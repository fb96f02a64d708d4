"""Each consent decision is one log row with the exact wording shown, its version, the page
and the time; the wording comes from the registry, rendered with the artist's name."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fanloop.catalog.services import create_artist
from fanloop.fans import consents
from fanloop.fans.consent_log import current_consents, record_consent
from fanloop.fans.models import Consent

from .conftest import connect


def test_it_records_the_exact_wording_version_page_and_time(spotify_app, artist):
    fan, _ = connect(spotify_app)
    at = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    with time_machine.travel(at, tick=False):
        record_consent(fan, "follow", True, page="/alice-band/first-light/thanks", artist=artist)
    row = Consent.objects.get()
    assert row.kind == "follow" and row.granted is True
    assert row.wording == "Follow The Lanterns on my streaming account."
    assert row.wording_version == consents.WORDINGS["follow"].version == "follow-1"
    assert row.page == "/alice-band/first-light/thanks"
    assert row.created == at
    assert row.artist == artist
    assert row.confirmed_at is None


def test_it_records_each_kind_apart(spotify_app, artist):
    fan, _ = connect(spotify_app)
    for kind in ("email", "follow", "forever_save", "verify"):
        record_consent(fan, kind, kind != "verify", page="/p", artist=artist)
    rows = {c.kind: c for c in Consent.objects.all()}
    assert set(rows) == {"email", "follow", "forever_save", "verify"}
    assert rows["forever_save"].wording.startswith("Save The Lanterns's future releases")
    assert rows["verify"].granted is False
    assert rows["email"].confirmed_at is None  # pending double opt-in


def test_it_uses_the_workspace_name_without_an_artist(spotify_app):
    fan, _ = connect(spotify_app)
    consent = record_consent(fan, "email", True, page="/p", confirmed=True)
    assert "from Alice Band about" in consent.wording  # the workspace's name
    assert consent.confirmed_at is not None


def test_it_keeps_braces_in_a_name_literal(spotify_app, workspace):
    odd = create_artist(workspace, name="{artist} & {0}")
    fan, _ = connect(spotify_app)
    consent = record_consent(fan, "follow", True, page="/p", artist=odd)
    assert consent.wording == "Follow {artist} & {0} on my streaming account."


def test_it_appends_and_the_latest_decision_wins(spotify_app, artist):
    fan, _ = connect(spotify_app)
    record_consent(fan, "follow", True, page="/a", artist=artist)
    record_consent(fan, "follow", False, page="/b", artist=artist)
    assert Consent.objects.count() == 2
    latest = current_consents(fan, artist=artist)["follow"]
    assert latest is not None and latest.granted is False and latest.page == "/b"
    assert current_consents(fan, artist=artist)["email"] is None
    # An artist's decision does not speak for the workspace as a whole.
    assert current_consents(fan)["follow"] is None


def test_it_refuses_an_unknown_kind(spotify_app):
    fan, _ = connect(spotify_app)
    with pytest.raises(ValueError, match="unknown consent kind"):
        record_consent(fan, "sell_my_data", True, page="/p")
    assert not Consent.objects.exists()


def test_it_refuses_an_artist_of_another_workspace(spotify_app, other_artist):
    fan, _ = connect(spotify_app)
    with pytest.raises(ValueError):
        record_consent(fan, "follow", True, page="/p", artist=other_artist)
    assert not Consent.objects.exists()


def test_it_cuts_an_oversize_page(spotify_app):
    fan, _ = connect(spotify_app)
    consent = record_consent(fan, "follow", True, page="/" + "x" * 1000)
    assert len(consent.page) == 300
