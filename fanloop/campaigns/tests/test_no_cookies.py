"""The public page sets no cookie and does not touch the session of anonymous visitors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from fanloop.catalog.models import Release


@pytest.mark.parametrize(
    "moment",
    [dt.datetime(2030, 3, 1, tzinfo=dt.UTC), dt.datetime(2030, 4, 1, tzinfo=dt.UTC)],
    ids=["pre-release", "post-release"],
)
def test_it_sets_no_cookie(release: Release, moment: dt.datetime) -> None:
    client = Client(enforce_csrf_checks=True)
    with time_machine.travel(moment, tick=False):
        for path in (
            "/nova-lights/midnight-signal",  # rendered by the view
            "/nova-lights/midnight-signal?utm_source=x",  # served from memory
            "/r/abc1234",
            "/nova-lights/midnight-signal/listen/spotify",
            "/nova-lights/midnight-signal/presave/spotify",
            "/nova-lights/unknown",
        ):
            response = client.get(path)
            assert not response.cookies, path
            assert "Set-Cookie" not in str(response.serialize_headers()), path
            assert "Cookie" not in response.get("Vary", ""), path


def test_it_only_clears_a_stale_session_cookie(release: Release) -> None:
    client = Client()
    client.cookies["sessionid"] = "not-a-real-session"
    response = client.get("/nova-lights/midnight-signal")
    assert response.status_code == 200
    # Django's session middleware deletes a cookie that names no session; nothing is set.
    assert all(morsel.value == "" for morsel in response.cookies.values())
