"""Opt-ins on the thank-you page: each one explicit and separate, recorded with the exact
wording shown, CSRF-protected; a follow after a save-only sign-in offers a reconnect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.core import mail
from django.test import Client

from fanloop.fans.models import Consent, Fan, PlatformConnection

from .oauth_flow import Flow

THANKS = "/nova-lights/midnight-signal/thanks"


def test_it_records_the_follow_consent_with_its_wording_and_page(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = flow.client.post(THANKS, {"action": "follow", "agree": "yes"})
    assert response.status_code == 303
    assert response["Location"] == f"{THANKS}?done=follow"
    consent = Consent.objects.get()
    assert (consent.kind, consent.granted, consent.page) == ("follow", True, THANKS)
    assert consent.wording == "Follow Nova Lights on my streaming account."
    assert consent.artist == flow.release.artist


def test_it_offers_a_reconnect_when_the_token_cannot_follow(flow: Flow) -> None:
    flow.round_trip("spotify")
    flow.client.post(THANKS, {"action": "follow", "agree": "yes"})
    html = flow.client.get(f"{THANKS}?done=follow").content.decode()
    # Nothing promises a follow the sign-in does not allow: the reconnect is all it says.
    assert "we&#x27;ll follow" not in html and "we'll follow" not in html
    assert "is set up" not in html
    assert "One more step: reconnect below to allow following Nova Lights." in html
    assert f"/connect/spotify/start?release={flow.release.pk}&amp;follow=1" in html
    assert "Reconnect Spotify to allow following" in html
    assert "Follow Nova Lights on my streaming account." not in html  # already agreed

    started, back = flow.round_trip("spotify", follow="1")
    assert "user-follow-modify" in parse_qs(urlsplit(started["Location"]).query)["scope"][0]
    assert back["Location"] == THANKS
    after = flow.client.get(THANKS).content.decode()
    assert "Reconnect" not in after and "One more step" not in after
    assert (
        "Following Nova Lights is set up: on release day we'll follow Nova Lights for you "
        "on Spotify." in after
    )


def test_it_promises_no_follow_when_no_connection_can_follow(flow: Flow) -> None:
    """A fan whose pre-save has no connection that can follow (here: none at all) is told
    nothing will be followed, not that it will be."""
    flow.round_trip("spotify")
    PlatformConnection.objects.all().delete()
    flow.client.post(THANKS, {"action": "follow", "agree": "yes"})
    html = flow.client.get(f"{THANKS}?done=follow").content.decode()
    assert "we&#x27;ll follow" not in html and "we'll follow" not in html
    assert "Reconnect" not in html
    assert "none of your connected accounts lets us follow Nova Lights for you" in html


def test_it_needs_no_reconnect_when_follow_was_granted_upfront(flow: Flow) -> None:
    flow.round_trip("spotify", follow="1")
    html = flow.client.get(THANKS).content.decode()
    assert "Reconnect" not in html


def test_it_records_the_forever_save_consent(flow: Flow) -> None:
    flow.round_trip("spotify")
    flow.client.post(THANKS, {"action": "forever", "agree": "yes"})
    assert Consent.objects.get().kind == "forever_save"


def test_it_refuses_an_unticked_optin(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = flow.client.post(THANKS, {"action": "follow"})
    assert response.status_code == 400
    assert "Tick the box to agree" in response.content.decode()
    assert not Consent.objects.exists()


def test_it_refuses_an_unknown_choice(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = flow.client.post(THANKS, {"action": "sell-my-data", "agree": "yes"})
    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_it_sends_a_double_opt_in_email(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = flow.client.post(
        THANKS, {"action": "email", "agree": "yes", "email": "Me@Example.org"}
    )
    assert response["Location"] == f"{THANKS}?done=email"
    consent = Consent.objects.get()
    assert consent.kind == "email" and consent.confirmed_at is None
    assert consent.page == THANKS
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["me@example.org"]
    # Not attached before the fan proves the mailbox.
    assert Fan.objects.get().email == ""


def test_it_refuses_an_invalid_or_oversize_email(flow: Flow) -> None:
    flow.round_trip("spotify")
    for address in ("not-an-email", "a" * 300 + "@example.org"):
        response = flow.client.post(THANKS, {"action": "email", "agree": "yes", "email": address})
        assert response.status_code == 400
        assert "email address" in response.content.decode()
    assert not Consent.objects.exists() and not mail.outbox


def test_it_enforces_csrf_on_optins(flow: Flow) -> None:
    browser = Client(enforce_csrf_checks=True)
    flow.client = browser
    flow.round_trip("spotify")
    response = browser.post(THANKS, {"action": "follow", "agree": "yes"})
    assert response.status_code == 403
    assert not Consent.objects.exists()
    page = browser.get(THANKS)
    token = page.cookies["csrftoken"].value
    ok = browser.post(THANKS, {"action": "follow", "agree": "yes", "csrfmiddlewaretoken": token})
    assert ok.status_code == 303


def test_it_refuses_optins_from_a_browser_that_did_not_presave(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = Client().post(THANKS, {"action": "follow", "agree": "yes"})
    assert response.status_code == 302
    assert not Consent.objects.exists()


def test_the_verify_optin_asks_for_library_reads_only_when_ticked(flow: Flow) -> None:
    """Progressive: the pre-save sign-in asked for saving only; ticking the checks box
    records the versioned wording and sends the fan to a second consent screen for the
    read scope (keeping nothing else out); without the tick nothing happens."""
    from fanloop.fans.models import PlatformConnection

    flow.round_trip("spotify")
    assert "user-library-read" not in PlatformConnection.objects.get().scope_set
    refused = flow.client.post(THANKS, {"action": "verify"})
    assert refused.status_code == 400 and not Consent.objects.exists()
    response = flow.client.post(THANKS, {"action": "verify", "agree": "yes"})
    consent = Consent.objects.get()
    assert (consent.kind, consent.granted, consent.wording_version) == ("verify", True, "verify-2")
    assert consent.wording.endswith("checked 3 times in the month after release: read access only.")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/connect/spotify/start?release={flow.release.pk}")
    assert "verify=1" in response["Location"]


def test_the_verify_optin_needs_no_second_screen_when_reads_were_granted(flow: Flow) -> None:
    flow.round_trip("spotify", verify="1")
    html = flow.client.get(THANKS).content.decode()
    assert "Allow the checks" not in html  # already agreed on the pre-save page
