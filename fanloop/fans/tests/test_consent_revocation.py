"""Withdrawing a consent appends a "no" row for each current grant (one artist or all), keeps
the history, and writes nothing when nothing was granted."""

from __future__ import annotations

from fanloop.catalog.services import create_artist
from fanloop.fans.consent_log import (
    consent_states,
    current_consents,
    record_consent,
    revoke_consent,
)
from fanloop.fans.models import Consent

from .conftest import connect


def test_it_revokes_a_granted_consent(spotify_app, artist):
    fan, _ = connect(spotify_app)
    record_consent(fan, "email", True, page="/p", artist=artist, confirmed=True)
    written = revoke_consent(fan, "email", "/me/")
    assert len(written) == 1
    row = written[0]
    assert row.granted is False and row.page == "/me/" and row.artist == artist
    assert row.wording_version == "email-1" and "The Lanterns" in row.wording
    assert Consent.objects.count() == 2  # the grant stays in the log
    state = current_consents(fan, artist=artist)["email"]
    assert state is not None and state.granted is False


def test_it_revokes_every_artist_or_just_one(spotify_app, artist, workspace):
    other = create_artist(workspace, name="Side Project")
    fan, _ = connect(spotify_app)
    record_consent(fan, "follow", True, page="/p", artist=artist)
    record_consent(fan, "follow", True, page="/p", artist=other)
    assert len(revoke_consent(fan, "follow", "/me/", artist=other)) == 1
    states = {c.artist.name if c.artist else "": c.granted for c in consent_states(fan)}
    assert states == {"The Lanterns": True, "Side Project": False}
    assert len(revoke_consent(fan, "follow", "/me/")) == 1
    assert not any(c.granted for c in consent_states(fan))


def test_it_writes_nothing_when_nothing_was_granted(spotify_app, artist):
    fan, _ = connect(spotify_app)
    record_consent(fan, "verify", False, page="/p", artist=artist)
    assert revoke_consent(fan, "verify", "/me/") == []
    assert revoke_consent(fan, "forever_save", "/me/") == []
    assert Consent.objects.count() == 1


def test_it_revokes_a_pending_email_consent(spotify_app, artist):
    fan, _ = connect(spotify_app)
    record_consent(fan, "email", True, page="/p", artist=artist)
    assert len(revoke_consent(fan, "email", "/me/")) == 1
