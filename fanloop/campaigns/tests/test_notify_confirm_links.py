"""The confirmation page explains invalid and expired links, and is a no-op on GET."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.accounts.models import Workspace
from fanloop.fans import links
from fanloop.fans.models import Fan

from .capture_helpers import fresh_rate_limits  # noqa: F401 - autouse fixture


def test_it_explains_a_tampered_link(db) -> None:
    response = Client().get("/e/confirm/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert Client().post("/e/confirm/not-a-real-token").status_code == 400


def test_it_explains_an_expired_link(workspace: Workspace, settings) -> None:
    fan = Fan.objects.create(workspace=workspace)
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        token = links.confirm_token(fan.pk, "fan@example.org")
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=30)):
        response = Client().get(f"/e/confirm/{token}")
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert Fan.objects.get().email == ""
