"""A fan who is not on a development-mode Spotify app's allow-list, in a real browser: the
release page's Spotify button leads to the email path (never Spotify's consent screen), the
fan confirms the double opt-in from the SMTP sink, gets the release-day email whose first
link opens the release in Spotify, and the click counts. The Countdown Page button (when
the artist pasted one) is counted as a page event."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import expect

from emulator.testing import AdminClient
from fanloop.analytics import buffer
from fanloop.analytics.models import Event, FanEvent, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, ConsentKind, Fan, PreSave
from fanloop.flows import engine
from fanloop.flows.defaults import create_default_flow
from fanloop.flows.models import Flow
from fanloop.fulfillment import services as fulfillment
from fanloop.messaging import sending_rules
from fanloop.messaging.tests.conftest import Sink, smtp_sink  # noqa: F401 - fixture
from fanloop.platforms import services
from fanloop.platforms.tests.app_factories import SPOTIFY_ID, SPOTIFY_SECRET

from .capture_helpers import fresh_rate_limits  # noqa: F401 - autouse fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FAN = "listener@example.org"
COUNTDOWN = "https://open.spotify.com/prerelease/4BZmdFJxc4sxUmnCtqgjtq"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def _to(sink: Sink, address: str) -> list[EmailMessage]:
    return [m for m in sink.messages() if str(m["To"]) == address]


def test_a_fan_off_the_allow_list_presaves_by_email_and_opens_it_in_spotify(
    browser,
    live_server,
    admin: AdminClient,
    platform_settings,
    settings,
    monkeypatch,
    release: Release,
    workspace,
    smtp_sink: Sink,  # noqa: F811
    artifacts: Path,
) -> None:
    platform_settings.SITE_URL = live_server.url
    settings.EMAIL_DOUBLE_OPT_IN = True
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    settings.EMAIL_OPEN_TRACKING = False
    if not Flow.objects.filter(workspace=workspace).exists():
        create_default_flow(workspace)
    # The artist's development-mode app: one tester listed at Spotify, mirrored in fanloop.
    admin.app(
        platform="spotify", client_id=SPOTIFY_ID, client_secret=SPOTIFY_SECRET,
        redirect_uris=[f"{live_server.url}/connect/spotify/callback"], mode="development",
        users=["tester@example.org"],
    )  # fmt: skip
    admin.user(platform="spotify", id="listener", email=FAN, country="GB")
    services.create_app(
        workspace, "spotify", name="Main", client_id=SPOTIFY_ID, client_secret=SPOTIFY_SECRET,
        allowed_emails=["tester@example.org"],
    )  # fmt: skip

    # A phone's browser (headless Chromium's own user agent counts as a bot, not a fan).
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, user_agent=PHONE_UA
    )
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    # The artist pasted their Countdown Page: its button is counted on the way to Spotify.
    Release.objects.filter(pk=release.pk).update(in_app_presave_url=COUNTDOWN)
    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    with page.expect_response("**/in-app") as hop:
        page.get_by_role("link", name="Pre-save inside the Spotify app").click()
    assert hop.value.status == 302 and hop.value.headers["location"] == COUNTDOWN
    buffer.events.flush()
    assert Event.objects.filter(kind="click", platform="spotify:in-app").count() == 1

    page.goto(f"{live_server.url}/nova-lights/midnight-signal")
    page.get_by_role("link", name="Pre-save on Spotify").click()
    page.wait_for_url("**/notify?reason=development&platform=spotify")
    expect(page.locator("h1")).to_have_text("Pre-save on Spotify by email")
    page.locator("#notify-email").fill(FAN)
    page.locator("#notify-consent").check()
    page.get_by_role("button", name="Email me on release day").click()
    expect(page.get_by_text("Check your inbox")).to_be_visible()
    page.screenshot(path=str(artifacts / "email-path-sent.png"), full_page=True)

    (confirmation,) = _to(smtp_sink, FAN)
    found = re.search(r"https?://[^/\s]+(/e/confirm/\S+)", _text(confirmation))
    assert found, _text(confirmation)
    page.goto(f"{live_server.url}{found.group(1)}")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_text("Email confirmed")).to_be_visible()
    # Never at Spotify's consent screen: no request of the fan's browser reached the emulator.
    assert not [url for url in requested if url.startswith(admin.base_url)]
    context.close()

    fan = Fan.objects.get(email=FAN)
    presave = PreSave.objects.get(fan=fan)
    assert (presave.platform, presave.chosen_platform) == (PreSave.EMAIL_ONLY, "spotify")
    assert Consent.objects.get(fan=fan, kind=ConsentKind.EMAIL).confirmed_at is not None

    # Release day in the fan's market (local midnight, London): the wave records the release
    # live for the fan, and the default flow sends the "it's out" email through the outbox.
    day = release.instant_for_market("GB") + dt.timedelta(minutes=5)
    engine.run_until_idle(now=day - dt.timedelta(days=1))
    fulfillment.tick(day)
    engine.run_until_idle(now=day)
    (its_out,) = [m for m in _to(smtp_sink, FAN) if "is out now" in str(m["Subject"])]
    links = re.findall(r"^(Spotify|Deezer|Apple Music): (http\S+)", _text(its_out), re.MULTILINE)
    assert links and links[0][0] == "Spotify", _text(its_out)

    # One tap on the phone: the tracked link, then fanloop's listen redirect to Spotify (hop
    # by hop: the test has no internet to reach Spotify itself).
    phone = browser.new_context(viewport=PHONE, is_mobile=True, user_agent=PHONE_UA)
    hop = phone.request.get(links[0][1], max_redirects=0, headers={"User-Agent": PHONE_UA})
    assert hop.status == 302
    listen = hop.headers["location"]
    assert listen.endswith("/nova-lights/midnight-signal/listen/spotify")
    hop = phone.request.get(listen, max_redirects=0, headers={"User-Agent": PHONE_UA})
    assert hop.status == 302
    assert hop.headers["location"] == (
        f"https://open.spotify.com/album/{platform_ids.release_id(release, 'spotify')}"
    )
    phone.close()
    clicks = FanEvent.objects.filter(fan=fan, kind=FanEventKind.EMAIL_CLICKED)
    assert clicks.count() == 1
