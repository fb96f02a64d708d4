"""The Django admin lists fans, connections, consents and pre-saves without ever showing a
token: connection pages say "stored encrypted"; the consent log is read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import User


@pytest.fixture
def staff_client(db):
    user = User.objects.create_superuser("root@example.org", "x")
    client = Client()
    client.force_login(user)
    return client


def test_it_never_shows_token_values(staff_client, connected):
    fan, connection = connected
    pages = [
        reverse("admin:fans_platformconnection_changelist"),
        reverse("admin:fans_platformconnection_change", args=[connection.pk]),
        reverse("admin:fans_fan_change", args=[fan.pk]),
        reverse("admin:fans_fan_changelist"),
        reverse("admin:fans_presave_changelist"),
        reverse("admin:fans_consent_changelist"),
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert connection.access_token not in body and connection.refresh_token not in body
        assert "fernet:" not in body
    change = staff_client.get(pages[1]).content.decode()
    assert "stored encrypted" in change
    assert 'name="access_token"' not in change and 'name="refresh_token"' not in change


def test_it_keeps_the_consent_log_read_only(staff_client, connected):
    consent = connected[0].consents.first()
    url = reverse("admin:fans_consent_change", args=[consent.pk])
    response = staff_client.post(url, {"granted": "on", "wording": "changed"})
    assert response.status_code in (302, 403)
    consent.refresh_from_db()
    assert consent.wording != "changed"
    assert staff_client.get(reverse("admin:fans_consent_add")).status_code == 403
