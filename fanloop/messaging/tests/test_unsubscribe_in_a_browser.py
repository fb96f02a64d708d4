"""In Chromium, from the unsubscribe link of a real email (read back from the SMTP sink):
the fan presses the button, the address is suppressed and the email consent withdrawn;
the page's address (its token) reaches no other site."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, ConsentKind, Fan
from fanloop.lib.tests.browser_forms import referer_sent_to_third_party, submit
from fanloop.messaging.models import EmailTemplate, Suppression, SuppressionReason
from fanloop.messaging.sending import send_email

from .conftest import Sink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_fan_unsubscribes_in_a_browser(
    browser: Any,
    live_server: Any,
    settings: Any,
    smtp_sink: Sink,
    fan: Fan,
    template: EmailTemplate,
    release: Release,
) -> None:
    settings.SITE_URL = live_server.url
    assert send_email(fan=fan, template=template, key="k", release=release).status == "sent"
    [received] = smtp_sink.messages()
    link = re.search(r"<(http[^>]+)>", str(received["List-Unsubscribe"]))
    assert link is not None and link.group(1).startswith(live_server.url)

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(link.group(1))
    assert not Suppression.objects.exists()  # opening the link only asks
    submit(page, page.get_by_role("button", name="Unsubscribe"))
    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason) == (fan.email, SuppressionReason.UNSUBSCRIBED)
    latest = Consent.objects.filter(fan=fan, kind=ConsentKind.EMAIL).latest("pk")
    assert not latest.granted
    # Other sites get at most this site's origin, never the address with its token.
    assert referer_sent_to_third_party(page) in (None, f"{live_server.url}/")
    context.close()
