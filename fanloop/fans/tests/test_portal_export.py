"""The portal's export is a JSON download of everything kept about the fan, with the full
consent log, and never a token."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from fanloop.fans.consent_log import revoke_consent

from .conftest import token_of


def test_it_downloads_everything_as_json(connected):
    fan, connection = connected
    revoke_consent(fan, "follow", "/me/")
    token = token_of(fan)
    response = Client().get(reverse("fans:portal_export", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["fan"]["email"] == "fan@example.org"
    assert data["connections"][0]["platform"] == "spotify"
    assert data["connections"][0]["platform_user_id"] == "fan1"
    assert data["connections"][0]["tokens"].startswith("stored encrypted")
    kinds = [(c["kind"], c["granted"]) for c in data["consents"]]
    assert kinds == [("follow", True), ("email", True), ("follow", False)]
    assert data["consents"][0]["wording"] == "Follow The Lanterns on my streaming account."
    assert data["presaves"][0]["release"] == "First Light"
    assert data["presaves"][0]["utm_source"] == "instagram"
    body = response.content.decode()
    assert connection.access_token not in body and connection.refresh_token not in body
