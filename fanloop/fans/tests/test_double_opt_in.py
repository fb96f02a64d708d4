"""Email consent by double opt-in: pending until the signed link in the confirmation email is
followed; tampered and expired links are refused; without double opt-in it is confirmed at
once and no email is sent."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail

from fanloop.catalog.models import Release
from fanloop.fans import links
from fanloop.fans.consent_log import record_consent, revoke_consent
from fanloop.fans.models import Consent, Fan, PreSave
from fanloop.fans.optin import confirm_email, subscribe_email
from fanloop.fans.presaves import Attribution
from fanloop.fans.rights import delete_fan
from fanloop.lib.signing import InvalidLink

from .conftest import connect


def _token(message: mail.EmailMessage) -> str:
    match = re.search(r"/e/confirm/([^\s\"<]+)", str(message.body))
    assert match, message.body
    return match.group(1)


def _subscribe(release: Release, email: str = "fan@example.org", **kwargs: Any) -> Fan:
    return subscribe_email(
        release.artist.workspace,
        email,
        release=release,
        artist=release.artist,
        page=release.public_path,
        attribution=Attribution(utm_source="newsletter"),
        **kwargs,
    )


def test_it_keeps_the_consent_pending_until_the_link_is_followed(release):
    fan = _subscribe(release)
    consent = Consent.objects.get()
    assert consent.kind == "email" and consent.granted and consent.confirmed_at is None
    assert fan.email_confirmed_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fan@example.org"]
    assert "The Lanterns" in message.subject
    assert consent.wording in message.body
    assert "/me/" in message.body  # the "manage my data" link
    confirmed = confirm_email(_token(message))
    assert confirmed.pk == fan.pk and confirmed.email_confirmed_at is not None
    consent.refresh_from_db()
    assert consent.confirmed_at is not None


def test_it_records_the_notify_me_presave(release):
    fan = _subscribe(release)
    presave = PreSave.objects.get()
    assert (presave.fan, presave.platform, presave.utm_source) == (fan, "email", "newsletter")


def test_it_refuses_a_tampered_link(release):
    _subscribe(release)
    token = _token(mail.outbox[0])
    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "x" + token, "nonsense"):
        with pytest.raises(InvalidLink) as caught:
            confirm_email(bad)
        assert not caught.value.expired
    assert Consent.objects.get().confirmed_at is None


def test_it_refuses_an_expired_link(release, settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(links, "CONFIRM_LINK_DAYS", 7)
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        _subscribe(release)
    with time_machine.travel(dt.datetime(2026, 1, 9, tzinfo=dt.UTC), tick=False):
        with pytest.raises(InvalidLink) as caught:
            confirm_email(_token(mail.outbox[0]))
    assert caught.value.expired
    assert Consent.objects.get().confirmed_at is None


def test_it_confirms_at_once_without_double_opt_in(release, settings):
    settings.EMAIL_DOUBLE_OPT_IN = False
    _subscribe(release)
    assert Consent.objects.get().confirmed_at is not None
    assert mail.outbox == []


def test_it_does_not_bring_back_a_consent_revoked_since(release):
    fan = _subscribe(release)
    revoke_consent(fan, "email", "/me/")
    confirm_email(_token(mail.outbox[0]))
    assert not Consent.objects.filter(granted=True, confirmed_at__isnull=False).exists()


def test_it_attaches_a_typed_address_only_once_confirmed(spotify_app, release):
    fan, _ = connect(spotify_app)  # no email from the platform
    _subscribe(release, "typed@example.org", fan=fan, notify_me=False)
    fan.refresh_from_db()
    assert fan.email == ""  # not yet: nobody proved they read that mailbox
    confirm_email(_token(mail.outbox[0]))
    fan.refresh_from_db()
    assert fan.email == "typed@example.org" and fan.email_confirmed_at is not None


def test_it_merges_into_the_fan_who_owns_the_confirmed_address(spotify_app, release):
    owner = _subscribe(release, "owner@example.org")
    browser_fan, _ = connect(spotify_app)
    record_consent(browser_fan, "follow", True, page="/p", artist=release.artist)
    _subscribe(release, "owner@example.org", fan=browser_fan, notify_me=False)
    merged = confirm_email(_token(mail.outbox[-1]))
    assert merged.pk == owner.pk
    assert Fan.objects.count() == 1
    assert merged.connections.count() == 1 and merged.consents.filter(kind="follow").exists()


def test_it_refuses_a_link_of_a_deleted_fan(release):
    fan = _subscribe(release)
    delete_fan(fan)
    with pytest.raises(InvalidLink):
        confirm_email(_token(mail.outbox[0]))
