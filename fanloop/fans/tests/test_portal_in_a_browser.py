"""In Chromium, from the portal page at its real address: a fan disconnects a platform,
withdraws a consent and deletes everything, and each POST passes Django's CSRF origin
check. The page keeps its address (the fan's token) away from other sites."""

from __future__ import annotations

from typing import Any

import pytest

from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection
from fanloop.fans.portal import PORTAL_PAGE
from fanloop.fans.rights import portal_url
from fanloop.lib.tests.browser_forms import (
    referer_sent_to_third_party,
    referrer_policy,
    submit,
    third_party_links_send_no_referrer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def portal(browser: Any, live_server: Any, settings: Any, connected: Any) -> Any:
    """The fan's portal open in a phone-sized Chromium page."""
    settings.SITE_URL = live_server.url
    fan, _ = connected
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    response = page.goto(portal_url(fan))
    assert response.status == 200
    assert response.headers["referrer-policy"] == "same-origin"
    assert referrer_policy(page) == "same-origin"
    yield page
    context.close()


def test_it_disconnects_a_platform_in_a_browser(portal: Any, connected: Any) -> None:
    fan, connection = connected
    assert third_party_links_send_no_referrer(portal)
    submit(portal, portal.get_by_role("button", name="Disconnect Spotify"))
    assert portal.get_by_text("The account is disconnected").is_visible()
    assert not PlatformConnection.objects.filter(pk=connection.pk).exists()
    assert Fan.objects.filter(pk=fan.pk).exists()
    assert referer_sent_to_third_party(portal) is None


def test_it_withdraws_a_consent_in_a_browser(portal: Any, connected: Any) -> None:
    fan, _ = connected
    follow = (
        portal.locator("li")
        .filter(has_text="follow")
        .filter(has=portal.get_by_role("button", name="Withdraw"))
    )
    granted = Consent.objects.filter(fan=fan, kind=ConsentKind.FOLLOW).get()
    submit(portal, follow.get_by_role("button", name="Withdraw"))
    assert portal.get_by_text("Your consent is withdrawn.").is_visible()
    latest = Consent.objects.filter(fan=fan, kind=ConsentKind.FOLLOW).latest("pk")
    assert latest.pk != granted.pk and not latest.granted
    assert latest.wording == granted.wording and latest.page == PORTAL_PAGE
    email = Consent.objects.filter(fan=fan, kind=ConsentKind.EMAIL).latest("pk")
    assert email.granted  # only the one withdrawn
    assert referer_sent_to_third_party(portal) is None


def test_it_deletes_everything_in_a_browser(portal: Any, connected: Any) -> None:
    fan, _ = connected
    portal.get_by_role("link", name="Delete everything…").click()
    portal.wait_for_load_state()
    assert referrer_policy(portal) == "same-origin"
    response = submit(portal, portal.get_by_role("button", name="Delete everything"))
    assert response.status == 400  # the box is not ticked: nothing happens
    assert Fan.objects.filter(pk=fan.pk).exists()
    portal.get_by_label("Yes, delete all my data").check()
    response = submit(portal, portal.get_by_role("button", name="Delete everything"))
    assert response.status == 200
    assert portal.get_by_role("heading", level=1).is_visible()
    assert not Fan.objects.filter(pk=fan.pk).exists()
    assert not Consent.objects.filter(fan_id=fan.pk).exists()
    assert third_party_links_send_no_referrer(portal)
    assert referer_sent_to_third_party(portal) is None
