"""Consents offered before the platform login: the verify box on every pre-save page, and,
per release, follow and forever too (off by default: they are offered on the thank-you page).
The page's unticked, unbundled checkboxes carry the registry wording and go with the pre-save
button the fan presses."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.test import Client

from fanloop.fans.consents import render
from fanloop.fans.models import Consent, ConsentKind, PlatformConnection

from .oauth_flow import Flow


class _PageForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: dict[str, str] | None = None
        self.fields: list[dict[str, str]] = []
        self.buttons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "upfront" in a.get("class", ""):
            self.form = a
        elif self.form is not None and tag == "input":
            self.fields.append(a)
        elif self.form is not None and tag == "button":
            self.buttons.append(a.get("formaction", ""))


def _page(client: Client, release) -> tuple[str, _PageForm]:
    html = client.get(f"/{release.artist.slug}/{release.slug}").content.decode()
    parser = _PageForm()
    parser.feed(html)
    return html, parser


def test_it_offers_only_an_unticked_verify_box_by_default(flow: Flow) -> None:
    html, form = _page(Client(), flow.release)
    assert form.form is not None and form.form["method"] == "get"
    boxes = [f for f in form.fields if f.get("type") == "checkbox"]
    assert [b["name"] for b in boxes] == ["verify"]
    assert "checked" not in boxes[0]
    assert render(ConsentKind.VERIFY, flow.release.artist.name)[1].replace("'", "&#x27;") in html
    for kind in (ConsentKind.FOLLOW, ConsentKind.FOREVER_SAVE):
        assert render(kind, flow.release.artist.name)[1].replace("'", "&#x27;") not in html
    hidden = {f["name"]: f["value"] for f in form.fields if f.get("type") == "hidden"}
    assert hidden == {"release": str(flow.release.pk)}
    # Every platform's pre-save is a submit button of the form (no JavaScript needed).
    assert form.buttons == [
        "/connect/spotify/start",
        "/connect/applemusic/start",
        "/connect/deezer/start",
        "/connect/tidal/start",
    ]
    assert 'href="/connect/' not in html


def test_the_live_page_offers_no_box(flow: Flow) -> None:
    flow.release.consents_upfront = True
    flow.release.save()
    with time_machine.travel(dt.datetime(2030, 4, 1, tzinfo=dt.UTC), tick=False):
        html, form = _page(Client(), flow.release)
    assert form.form is None
    wording = render(ConsentKind.VERIFY, flow.release.artist.name)[1]
    assert wording.replace("'", "&#x27;") not in html
    assert "Listen on Spotify" in html


def test_an_unticked_verify_box_asks_no_read_scope_and_records_no_consent(flow: Flow) -> None:
    # What the browser submits when the fan presses the Spotify button, box left unticked.
    started, back = flow.round_trip("spotify")
    scope = parse_qs(urlsplit(started["Location"]).query)["scope"][0]
    assert scope.split() == ["user-library-modify"]
    assert back.status_code == 302
    assert not Consent.objects.exists()
    assert PlatformConnection.objects.get().scope_set == {"user-library-modify"}


def test_a_ticked_verify_box_asks_the_read_scope_and_records_the_consent(flow: Flow) -> None:
    started, back = flow.round_trip("spotify", verify="1")
    scope = parse_qs(urlsplit(started["Location"]).query)["scope"][0]
    assert scope.split() == ["user-library-modify", "user-library-read"]
    assert back.status_code == 302
    consent = Consent.objects.get()
    version, wording = render(ConsentKind.VERIFY, flow.release.artist.name)
    assert (consent.kind, consent.granted) == (ConsentKind.VERIFY, True)
    assert (consent.wording_version, consent.wording) == (version, wording)
    assert "user-library-read" in PlatformConnection.objects.get().scope_set


def test_it_shows_unticked_unbundled_checkboxes_with_the_exact_wording(flow: Flow) -> None:
    flow.release.consents_upfront = True
    flow.release.save()
    html, form = _page(Client(), flow.release)
    assert form.form is not None and form.form["method"] == "get"
    boxes = [f for f in form.fields if f.get("type") == "checkbox"]
    assert [b["name"] for b in boxes] == ["follow", "forever", "verify"]
    assert not any("checked" in b for b in boxes)
    for kind in (ConsentKind.FOLLOW, ConsentKind.FOREVER_SAVE, ConsentKind.VERIFY):
        assert render(kind, flow.release.artist.name)[1].replace("'", "&#x27;") in html
    hidden = {f["name"]: f["value"] for f in form.fields if f.get("type") == "hidden"}
    assert hidden == {"release": str(flow.release.pk)}
    assert "/connect/spotify/start" in form.buttons
    assert "/connect/deezer/start" in form.buttons


def test_it_lets_the_form_lead_to_the_platform_login(flow: Flow, settings) -> None:
    flow.release.consents_upfront = True
    flow.release.save()
    response = Client().get(f"/{flow.release.artist.slug}/{flow.release.slug}")
    csp = response["Content-Security-Policy"]
    accounts = urlsplit(settings.SPOTIFY_ACCOUNTS_URL)
    assert f"form-action 'self' {accounts.scheme}://{accounts.netloc}" in csp


def test_the_ticked_choices_reach_the_platform_and_the_consent_log(flow: Flow) -> None:
    flow.release.consents_upfront = True
    flow.release.save()
    # What the browser submits when the fan ticks "follow" and presses the Spotify button.
    started, back = flow.round_trip("spotify", follow="1")
    scope = parse_qs(urlsplit(started["Location"]).query)["scope"][0]
    assert "user-follow-modify" in scope.split()
    consent = Consent.objects.get()
    assert (consent.kind, consent.granted) == (ConsentKind.FOLLOW, True)
    assert consent.wording == render(ConsentKind.FOLLOW, flow.release.artist.name)[1]
    assert back.status_code == 302
