"""Notify me refuses bad input with a clear message and writes nothing; it is rate-limited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from fanloop.campaigns import notify
from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, Fan, PreSave

from .capture_helpers import fresh_rate_limits  # noqa: F401 - autouse fixture

NOTIFY = "/nova-lights/midnight-signal/notify"


def _nothing_written() -> None:
    assert (Fan.objects.count(), Consent.objects.count(), PreSave.objects.count()) == (0, 0, 0)
    assert mail.outbox == []


def test_it_refuses_an_invalid_email(release: Release) -> None:
    response = Client().post(NOTIFY, {"email": "not-an-email", "consent": "yes"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    _nothing_written()


def test_it_refuses_without_the_consent_box(release: Release) -> None:
    response = Client().post(NOTIFY, {"email": "fan@example.org"})
    assert response.status_code == 400
    assert "Tick the box to agree to emails" in response.content.decode()
    _nothing_written()


def test_it_refuses_an_oversize_email(release: Release) -> None:
    response = Client().post(NOTIFY, {"email": "a" * 300 + "@example.org", "consent": "yes"})
    assert response.status_code == 400
    assert "This email address is too long." in response.content.decode()
    _nothing_written()


def test_it_needs_a_csrf_token(release: Release) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(NOTIFY, {"email": "fan@example.org", "consent": "yes"}).status_code == 403
    _nothing_written()


def test_it_rate_limits_per_visitor_and_release(
    release: Release, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "RATE_LIMIT", 2)
    client = Client()
    for n in range(2):
        data = {"email": f"fan{n}@example.org", "consent": "yes"}
        assert client.post(NOTIFY, data).status_code == 200
    refused = client.post(NOTIFY, {"email": "fan9@example.org", "consent": "yes"})
    assert refused.status_code == 429
    assert "Too many sign-ups" in refused.content.decode()
    assert Fan.objects.count() == 2


def test_it_escapes_hostile_text(release: Release) -> None:
    release.artist.name = "<script>alert(1)</script>"
    release.artist.save()
    html = Client().post(NOTIFY, {"email": "<script>x</script>"}).content.decode()
    assert "<script>alert" not in html and "<script>x" not in html
    assert "&lt;script&gt;" in html


def test_it_is_404_for_unknown_or_unpublished_releases(release: Release) -> None:
    assert Client().get("/nova-lights/nope/notify").status_code == 404
    release.published = False
    release.save()
    assert Client().get(NOTIFY).status_code == 404
    assert Client().post(NOTIFY, {"email": "fan@example.org", "consent": "yes"}).status_code == 404
    _nothing_written()
