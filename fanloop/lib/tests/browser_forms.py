"""Helpers of the browser tests of public forms: submit a form the way a fan does and check
what the browser sent, and check that a page keeps its address (and token) to itself.

A form must be submitted from the page loaded at its real address, by clicking its button:
only then does Chromium send the Origin and Referer that Django's CSRF check reads.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# Never resolved: Playwright answers navigations there itself (loopback only here).
THIRD_PARTY = "https://third-party.invalid"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def submit(page: Any, button: Any) -> Any:
    """Click ``button`` and return the response to the form's POST, after checking that
    the browser sent the page's own origin (not ``null``) and that CSRF did not refuse it."""
    origin = origin_of(page.url)  # before the click: the answer may lead elsewhere
    with page.expect_response(lambda response: response.request.method == "POST") as caught:
        button.click()
    response = caught.value
    headers = response.request.all_headers()
    assert headers.get("origin") == origin, headers.get("origin")
    assert response.status != 403, response.text()[:500]
    page.wait_for_load_state()
    return response


def referrer_policy(page: Any) -> str:
    """The policy the page's own markup sets (a meta tag overrides the header), else ""."""
    return str(
        page.evaluate(
            "() => { const m = document.querySelector('meta[name=referrer]');"
            " return m ? m.content : ''; }"
        )
    )


def third_party_links_send_no_referrer(page: Any) -> bool:
    """Every link to another site carries ``rel=noreferrer``."""
    return bool(
        page.evaluate(
            "() => [...document.querySelectorAll('a[href]')]"
            ".filter(a => a.origin !== location.origin && a.protocol.startsWith('http'))"
            ".every(a => (a.rel || '').split(/\\s+/).includes('noreferrer'))"
        )
    )


def referer_sent_to_third_party(page: Any) -> str | None:
    """Follow a plain link from the page to another site; the Referer that site got.

    Leaves the page: call it last.
    """
    seen: list[str | None] = []

    def answer(route: Any) -> None:
        seen.append(route.request.headers.get("referer"))
        route.fulfill(status=200, body="elsewhere", content_type="text/plain")

    page.route(f"{THIRD_PARTY}/**", answer)
    page.evaluate(
        "(url) => { const a = document.createElement('a'); a.href = url;"
        " document.body.appendChild(a); a.click(); }",
        f"{THIRD_PARTY}/landing",
    )
    page.wait_for_url(f"{THIRD_PARTY}/landing")
    page.unroute(f"{THIRD_PARTY}/**")
    assert seen, "the link was not followed"
    return seen[0]
