"""In Chromium, each fan-facing capture form submitted from its page at its real address:
notify me, the email confirmation, the thank-you page's opt-ins and data link, and the
in-app browser page's "email me the link" and copy-link beacon. Each POST passes Django's
CSRF check with the browser's own Origin, and its effect is checked in the database (and
in the mail sent); no page hands its address to another site."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail

from fanloop.analytics import buffer
from fanloop.analytics.models import Event, EventKind
from fanloop.campaigns.connect import FAN_IDS_KEY
from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.fans.optin import subscribe_email
from fanloop.fans.presaves import record_presave
from fanloop.lib.tests.browser_forms import (
    origin_of,
    referer_sent_to_third_party,
    submit,
    third_party_links_send_no_referrer,
)
from fanloop.platforms.tests.app_factories import spotify_app

from .capture_helpers import INSTAGRAM_UA, fresh_rate_limits  # noqa: F401 - autouse fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PAGE = "/nova-lights/midnight-signal"


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    settings.SITE_URL = live_server.url
    settings.EMAIL_DOUBLE_OPT_IN = True
    return str(live_server.url)


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(viewport=PHONE, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _events(kind: str) -> int:
    buffer.events.flush()
    return Event.objects.filter(kind=kind).count()


def test_a_fan_signs_up_to_be_emailed_on_release_day(
    site: str, new_page: Any, release: Release
) -> None:
    page = new_page()
    response = page.goto(f"{site}{PAGE}/notify")
    assert response.headers["referrer-policy"] == "same-origin"
    page.get_by_label("Email address").fill("Fan@Example.org")
    page.get_by_label("Send me emails from Nova Lights").check()
    submit(page, page.get_by_role("button", name="Email me on release day"))
    assert page.get_by_text("Check your inbox").first.is_visible()
    fan = Fan.objects.get()
    assert fan.email == "fan@example.org"
    presave = PreSave.objects.get()
    assert (presave.fan, presave.release, presave.platform) == (fan, release, "email")
    consent = Consent.objects.get()
    assert consent.kind == ConsentKind.EMAIL and consent.granted
    assert consent.wording.startswith("Send me emails from Nova Lights")
    assert [m.to for m in mail.outbox] == [["fan@example.org"]]
    assert referer_sent_to_third_party(page) is None


def test_a_fan_confirms_their_email_address(site: str, new_page: Any, release: Release) -> None:
    subscribe_email(
        release.artist.workspace,
        "fan@example.org",
        release=release,
        artist=release.artist,
        page=f"{PAGE}/notify",
        notify_me=True,
    )
    link = re.search(r"https?://\S+/e/confirm/\S+", str(mail.outbox[-1].body))
    assert link and link.group(0).startswith(site)
    page = new_page()
    response = page.goto(link.group(0))
    assert response.headers["referrer-policy"] == "same-origin"
    assert Consent.objects.get().confirmed_at is None  # opening the link confirms nothing
    submit(page, page.get_by_role("button", name="Confirm my email"))
    assert page.get_by_role("heading", name="Email confirmed").is_visible()
    assert Consent.objects.get().confirmed_at is not None
    assert Fan.objects.get().email_confirmed_at is not None
    assert referer_sent_to_third_party(page) is None


def _presaved_in(page: Any, site: str, release: Release, *, proven: bool, email: str) -> Fan:
    """A fan who pre-saved ``release`` on Spotify in this browser (its session says so),
    with a connection that allowed saving and following."""
    fan = Fan.objects.create(workspace=release.artist.workspace, email=email)
    connection = PlatformConnection.objects.create(
        fan=fan,
        app=spotify_app(release.artist.workspace),
        platform="spotify",
        platform_user_id="fan-1",
        scopes="user-library-modify user-follow-modify",
        access_token="t",
    )
    record_presave(fan, release, "spotify", connection=connection)
    session = SessionStore()
    session[FAN_IDS_KEY] = {str(fan.workspace_id): {"fan": fan.pk, "proven": proven}}
    session.create()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": site}]
    )
    return fan


def test_a_fan_opts_in_on_the_thank_you_page(site: str, new_page: Any, release: Release) -> None:
    page = new_page()
    fan = _presaved_in(page, site, release, proven=True, email="")
    page.goto(f"{site}{PAGE}/thanks")
    assert third_party_links_send_no_referrer(page)  # the share links

    follow = page.get_by_role("group", name="Follow")
    follow.get_by_role("checkbox").check()
    submit(page, follow.get_by_role("button", name="Follow Nova Lights"))
    assert page.get_by_text("we'll follow Nova Lights for you").is_visible()

    later = page.get_by_role("group", name="Future releases")
    later.get_by_role("checkbox").check()
    submit(page, later.get_by_role("button", name="Save future releases"))

    email = page.get_by_role("group", name="Email")
    email.get_by_label("Email address").fill("me@example.org")
    email.get_by_role("checkbox").check()
    submit(page, email.get_by_role("button", name="Sign up"))
    assert "check your inbox" in page.get_by_role("status").inner_text()

    rows = {c.kind: c for c in Consent.objects.filter(fan=fan)}
    assert set(rows) == {ConsentKind.FOLLOW, ConsentKind.FOREVER_SAVE, ConsentKind.EMAIL}
    assert all(c.granted and c.page == f"{PAGE}/thanks" for c in rows.values())
    assert rows[ConsentKind.FOLLOW].wording == "Follow Nova Lights on my streaming account."
    assert rows[ConsentKind.EMAIL].confirmed_at is None
    assert [m.to for m in mail.outbox] == [["me@example.org"]]
    # No token in this address, and the default policy gives other sites the origin only.
    assert referer_sent_to_third_party(page) in (None, f"{site}/")


def test_a_fan_asks_for_a_link_to_their_data(site: str, new_page: Any, release: Release) -> None:
    page = new_page()
    _presaved_in(page, site, release, proven=False, email="known@example.org")
    page.goto(f"{site}{PAGE}/thanks")
    submit(page, page.get_by_role("button", name="Email me a link to manage my data"))
    assert page.get_by_text("We've emailed you a link to manage your data.").is_visible()
    [message] = mail.outbox
    assert message.to == ["known@example.org"] and f"{site}/me/" in str(message.body)


def test_a_fan_in_an_app_emails_themself_the_link(
    site: str, new_page: Any, release: Release
) -> None:
    page = new_page(user_agent=INSTAGRAM_UA)
    response = page.goto(f"{site}/connect/applemusic?release={release.pk}")
    assert response.headers["referrer-policy"] == "same-origin"
    assert page.get_by_role("heading", name="Open this in your browser to pre-save").is_visible()
    page.get_by_label("Email address").fill("me@example.org")
    submit(page, page.get_by_role("button", name="Email me the link"))
    assert page.get_by_role("heading", name="Link sent").is_visible()
    [message] = mail.outbox
    assert message.to == ["me@example.org"]
    assert f"{site}/connect/applemusic?release={release.pk}" in str(message.body)
    assert _events(EventKind.INAPP_EMAIL_LINK) == 1
    assert not Fan.objects.exists()  # the address is used for this one email only


def test_a_fan_in_an_app_copies_the_link(site: str, new_page: Any, release: Release) -> None:
    page = new_page(user_agent=INSTAGRAM_UA)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page.goto(f"{site}/connect/applemusic?release={release.pk}")
    with page.expect_response(lambda r: r.url.endswith("/connect/inapp/event")) as caught:
        page.get_by_role("button", name="Copy link").click()
    beacon = caught.value
    assert beacon.status == 204
    assert beacon.request.all_headers().get("origin") == origin_of(site)
    assert page.get_by_text("Link copied.").is_visible()
    assert _events(EventKind.INAPP_COPY_LINK) == 1
