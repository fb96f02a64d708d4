"""Per-release choice: consents offered before the platform login (off by default: they are
offered on the thank-you page). When on, the page's unticked, unbundled checkboxes carry the
registry wording and go with the pre-save button the fan presses."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from fanloop.fans.consents import render
from fanloop.fans.models import Consent, ConsentKind

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


def test_it_asks_nothing_upfront_by_default(flow: Flow) -> None:
    html, form = _page(Client(), flow.release)
    assert form.form is None
    assert render(ConsentKind.FOLLOW, flow.release.artist.name)[1] not in html


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
