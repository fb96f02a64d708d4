"""In local-midnight mode each visitor's country decides the mode (header set by the CDN)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.test import Client, override_settings

from fanloop.catalog.models import Release

# 2030-03-15 00:30 in Auckland (UTC+13) is still 2030-03-14 07:30 in New York.
NZ_MIDNIGHT_PASSED = dt.datetime(2030, 3, 14, 11, 30, tzinfo=dt.UTC)


def _page(country: str | None) -> str:
    headers: dict[str, Any] = {"HTTP_CF_IPCOUNTRY": country} if country else {}
    return Client().get("/nova-lights/midnight-signal", **headers).content.decode()


def test_it_is_live_in_new_zealand_while_the_us_still_waits(release: Release) -> None:
    with time_machine.travel(NZ_MIDNIGHT_PASSED, tick=False):
        assert "Listen on Spotify" in _page("NZ")
        us = _page("US")
    assert "Pre-save on Spotify" in us
    assert "Out in 16 hours" in us  # midnight in New York is 16.5 hours away


def test_it_uses_the_release_zone_when_the_country_is_unknown(release: Release) -> None:
    with time_machine.travel(NZ_MIDNIGHT_PASSED, tick=False):
        for country in (None, "XX", "T1", "<script>"):  # absent, unknown, Tor, garbage
            assert "Pre-save on Spotify" in _page(country)


@override_settings(COUNTRY_HEADER="HTTP_X_COUNTRY")
def test_it_reads_the_configured_country_header(release: Release) -> None:
    with time_machine.travel(NZ_MIDNIGHT_PASSED, tick=False):
        html = Client().get("/nova-lights/midnight-signal", HTTP_X_COUNTRY="nz").content
        response = Client().get("/nova-lights/midnight-signal", HTTP_X_COUNTRY="nz")
    assert b"Listen on Spotify" in html
    assert response["Vary"] == "X-Country"


def test_it_tells_shared_caches_that_the_page_varies_by_country(release: Release) -> None:
    with time_machine.travel(NZ_MIDNIGHT_PASSED, tick=False):
        response = Client().get("/nova-lights/midnight-signal")
    assert response["Vary"] == "Cf-Ipcountry"


def test_it_does_not_vary_by_country_for_a_global_release(release: Release) -> None:
    release.release_mode = "global"
    release.save()
    with time_machine.travel(NZ_MIDNIGHT_PASSED, tick=False):
        assert "Pre-save on Spotify" in _page("NZ")
        response = Client().get("/nova-lights/midnight-signal")
    assert not response.has_header("Vary")
