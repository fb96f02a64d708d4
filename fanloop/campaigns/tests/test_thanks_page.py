"""The thank-you page: only for the browser that pre-saved; confirmation, share links,
calendar link, the unticked opt-ins and the "manage my data" link (only for a proven fan)."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from fanloop.fans.models import Fan

from .oauth_flow import Flow

THANKS = "/nova-lights/midnight-signal/thanks"


def test_it_confirms_the_presave_with_the_release_day(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = flow.client.get("/nova-lights/midnight-signal/thanks")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert "Midnight Signal will be in your Spotify library on 15 March 2030." in html
    assert "/nova-lights/midnight-signal/calendar.ics" in html


def test_it_offers_share_links_without_third_party_scripts(flow: Flow) -> None:
    flow.round_trip("spotify")
    html = flow.client.get("/nova-lights/midnight-signal/thanks").content.decode()
    assert "https://twitter.com/intent/tweet?text=Pre-save+Midnight+Signal" in html
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F127.0.0.1%3A8000" in html
    assert "https://wa.me/?text=" in html
    assert 'value="http://127.0.0.1:8000/nova-lights/midnight-signal" readonly' in html
    assert "<script" not in html


def test_it_offers_each_optin_unticked_with_the_registry_wording(flow: Flow) -> None:
    flow.round_trip("spotify")
    html = flow.client.get("/nova-lights/midnight-signal/thanks").content.decode()
    assert "Follow Nova Lights on my streaming account." in html
    assert "Save Nova Lights&#x27;s future releases to my library" in html
    assert "Send me emails from Nova Lights about new releases" in html
    assert "Let Nova Lights see whether I keep this release and which of its tracks" in html
    assert html.count('type="checkbox" name="agree" value="yes">') == 4
    assert not re.search(r"<input[^>]*\bchecked", html)  # the wording says "checked 3 times"


def test_it_shows_the_portal_link_to_a_fan_created_in_this_browser(flow: Flow) -> None:
    flow.round_trip("spotify")
    html = flow.client.get("/nova-lights/midnight-signal/thanks").content.decode()
    assert "/me/" in html and "manage my data" in html


def test_it_hides_the_portal_link_of_a_fan_matched_only_by_email(flow: Flow) -> None:
    """A fan found only by an email a platform reported is not proven to be this browser
    (we never ask for the email scopes, so this is set up through the session)."""
    flow.round_trip("spotify")
    fan = Fan.objects.get()
    fan.email = "fan1@example.org"
    fan.save()
    session = flow.client.session
    session["fanloop_fan_ids"] = {str(fan.workspace_id): {"fan": fan.pk, "proven": False}}
    session.save()
    html = flow.client.get("/nova-lights/midnight-signal/thanks").content.decode()
    assert "/me/" not in html
    assert "Email me a link to manage my data" in html
    response = flow.client.post(THANKS, {"action": "portal"})
    assert response.status_code == 303
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["fan1@example.org"]


def test_it_sends_other_browsers_to_the_release_page(flow: Flow) -> None:
    flow.round_trip("spotify")
    response = Client().get("/nova-lights/midnight-signal/thanks")
    assert response.status_code == 302
    assert response["Location"] == "/nova-lights/midnight-signal"


def test_it_sends_a_fan_who_did_not_presave_this_release_to_its_page(flow: Flow) -> None:
    from fanloop.analytics.tests.factories import make_release

    flow.round_trip("spotify")
    make_release(flow.release.artist, title="Other", slug="other", short_code="oth1234")
    response = flow.client.get("/nova-lights/other/thanks")
    assert response["Location"] == "/nova-lights/other"


def test_it_returns_404_for_an_unknown_release(flow: Flow) -> None:
    assert flow.client.get("/nova-lights/nope/thanks").status_code == 404


def test_it_escapes_names_with_markup(flow: Flow) -> None:
    artist = flow.release.artist
    artist.name = "<script>alert(1)</script>"
    artist.save()
    flow.round_trip("spotify")
    html = flow.client.get("/nova-lights/midnight-signal/thanks").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
