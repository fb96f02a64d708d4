"""Drive the emulator's login and consent pages like a browser would: parse the real HTML
forms, fill them in and submit them, following redirects by hand up to the app's callback.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import httpx


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}
        self.inputs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input":
            self.inputs.append(a.get("name", ""))
            if a.get("type") == "hidden":
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name"):
            self.buttons[a["id"]] = a.get("value", "")


def parse_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    assert parser.action is not None, html
    return parser


def consent(
    client: httpx.Client, authorize_url: str, email: str, agree: bool = True, password: str = "x"
) -> dict[str, list[str]]:
    """Log in (if needed), answer the consent page; return the callback's query."""
    r = client.get(authorize_url)
    if r.status_code == 200 and 'name="email"' in r.text:
        form = parse_form(r.text)
        data = {**form.fields, "email": email, "password": password}
        r = client.post(urljoin(authorize_url, form.action), data=data)
        assert r.status_code == 303, r.text
        r = client.get(urljoin(authorize_url, r.headers["location"]))
    if r.status_code == 200:
        form = parse_form(r.text)
        assert "auth-accept" in form.buttons, r.text
        data = {**form.fields, "action": "accept" if agree else "cancel"}
        r = client.post(urljoin(authorize_url, form.action), data=data)
    assert r.status_code in (302, 303), (r.status_code, r.text)
    return parse_qs(urlparse(r.headers["location"]).query)
