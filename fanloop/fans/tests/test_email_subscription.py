""" "Notify me" by email: a bad or oversize address is refused with a clear message and
nothing is written; the same address twice is one fan and one pre-save."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, Fan, PreSave
from fanloop.fans.optin import subscribe_email


def _subscribe(release: Release, email: str) -> Fan:
    return subscribe_email(
        release.artist.workspace, email, release=release, artist=None, page=release.public_path
    )


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("not-an-address", "Enter a valid email address."),
        ("a@b", "Enter a valid email address."),
        ("fan@example.org\nBcc: x@example.org", "Enter a valid email address."),
        ("x" * 250 + "@example.org", "This email address is too long."),
    ],
)
def test_it_refuses_a_bad_address_and_writes_nothing(release, email, message):
    with pytest.raises(ValidationError) as caught:
        _subscribe(release, email)
    assert caught.value.message_dict == {"email": [message]}
    assert not Fan.objects.exists() and not Consent.objects.exists()
    assert not PreSave.objects.exists() and mail.outbox == []


def test_it_keeps_one_fan_and_one_presave_for_the_same_address(release):
    first = _subscribe(release, "Fan@Example.org ")
    second = _subscribe(release, "fan@example.org")
    assert first.pk == second.pk
    assert Fan.objects.get().email == "fan@example.org"
    assert PreSave.objects.count() == 1
    assert Consent.objects.count() == 2  # each decision is logged
    assert len(mail.outbox) == 2  # and each asks for confirmation again


def test_it_takes_the_artist_from_the_release(release):
    _subscribe(release, "fan@example.org")
    assert Consent.objects.get().artist == release.artist


def test_it_refuses_an_artist_of_another_workspace(release, other_artist):
    with pytest.raises(ValueError):
        subscribe_email(
            release.artist.workspace,
            "fan@example.org",
            release=None,
            artist=other_artist,
            page="/p",
        )
    assert not Fan.objects.exists()
