"""In a real browser: the pre-save page's optional verify box. Ticked, the Spotify pre-save
asks the emulated Spotify for the library-read scope too and the consent log keeps the
verify wording with its version; unticked, neither. Real browser, real servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.catalog.models import Release
from fanloop.fans.consents import render
from fanloop.fans.models import Consent, ConsentKind, PlatformConnection, PreSave

from .capture_helpers import TESTER_BUTTON, live_spotify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spotify(admin: AdminClient, platform_settings: Any, live_server: Any, workspace: Any) -> None:
    live_spotify(
        admin, platform_settings, live_server, workspace,
        user_id="boxfan", email="box@example.org",
    )  # fmt: skip


def _presave(page: Any, live_server: Any, admin: AdminClient, tick: bool) -> list[str]:
    """Pre-save on Spotify from the page, the box ticked or not; the scopes the emulated
    Spotify's consent screen listed."""
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    box = page.get_by_role("checkbox", name=render(ConsentKind.VERIFY, "Nova Lights")[1])
    assert not box.is_checked()  # optional: never ticked for the fan
    if tick:
        box.check()
    page.get_by_role("button", name=TESTER_BUTTON).click()
    page.wait_for_url(f"{admin.base_url}/**")
    page.locator("input[name=email]").fill("box@example.org")
    page.locator("input[name=password]").fill("x")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    scopes = page.locator("ul.scopes li").all_inner_texts()
    page.locator("#auth-accept").click()
    page.wait_for_url(f"{live_server.url}/nova-lights/midnight-signal/thanks")
    assert page.locator("h1").inner_text() == "You're all set"
    return scopes


def test_a_ticked_box_asks_the_read_scope_and_logs_the_consent(
    browser, live_server, admin: AdminClient, spotify: None, release: Release, artifacts: Path
) -> None:
    assert release.artist.name == "Nova Lights"
    page = browser.new_page()
    scopes = _presave(page, live_server, admin, tick=True)
    assert sorted(scopes) == ["user-library-modify", "user-library-read"]
    page.screenshot(path=str(artifacts / "verify-box-thanks.png"), full_page=True)
    page.close()
    presave = PreSave.objects.get()
    assert presave.platform == "spotify"
    connection = PlatformConnection.objects.get()
    assert connection.scope_set == {"user-library-modify", "user-library-read"}
    consent = Consent.objects.get()
    version, wording = render(ConsentKind.VERIFY, "Nova Lights")
    assert (consent.kind, consent.granted, consent.fan) == (ConsentKind.VERIFY, True, presave.fan)
    assert (consent.wording_version, consent.wording) == (version, wording)


def test_an_unticked_box_asks_no_read_scope_and_logs_nothing(
    browser, live_server, admin: AdminClient, spotify: None, release: Release
) -> None:
    page = browser.new_page()
    assert _presave(page, live_server, admin, tick=False) == ["user-library-modify"]
    page.close()
    assert PreSave.objects.count() == 1
    assert PlatformConnection.objects.get().scope_set == {"user-library-modify"}
    assert not Consent.objects.exists()
