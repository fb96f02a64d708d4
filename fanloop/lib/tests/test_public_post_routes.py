"""Every public route that accepts a POST has a browser test that submits its form in
Chromium from the page's real address: Django's test client sends no Origin, so only a
real browser shows whether a page's referrer policy lets its forms through CSRF.

Which routes are public and take a POST is found by asking each one: an anonymous POST
that gets neither 405 nor a redirect to the login page. A new such route makes the first
test fail until it is listed here with its browser test (or, with a reason, exempted).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[3]

# Route name -> the browser tests ("path::function") that submit its form in Chromium.
BROWSER_TESTS: dict[str, list[str]] = {
    "fans:portal_disconnect": [
        "fanloop/fans/tests/test_portal_in_a_browser.py::test_it_disconnects_a_platform_in_a_browser"
    ],
    "fans:portal_revoke": [
        "fanloop/fans/tests/test_portal_in_a_browser.py::test_it_withdraws_a_consent_in_a_browser"
    ],
    "fans:portal_delete": [
        "fanloop/fans/tests/test_portal_in_a_browser.py::test_it_deletes_everything_in_a_browser"
    ],
    "messaging:unsubscribe": [
        "fanloop/messaging/tests/test_unsubscribe_in_a_browser.py::test_a_fan_unsubscribes_in_a_browser"
    ],
    "campaigns:action": [
        "fanloop/flows/tests/test_action_in_a_browser.py::test_a_fan_saves_the_release_in_one_click",
        "fanloop/flows/tests/test_ui_action_phone.py::test_a_fan_follows_the_artist_from_a_phone",
    ],
    "campaigns:notify": [
        "fanloop/campaigns/tests/test_fan_forms_in_a_browser.py::test_a_fan_signs_up_to_be_emailed_on_release_day"
    ],
    "campaigns:confirm_email": [
        "fanloop/campaigns/tests/test_fan_forms_in_a_browser.py::test_a_fan_confirms_their_email_address"
    ],
    "campaigns:thanks": [
        "fanloop/campaigns/tests/test_fan_forms_in_a_browser.py::test_a_fan_opts_in_on_the_thank_you_page",
        "fanloop/campaigns/tests/test_fan_forms_in_a_browser.py::test_a_fan_asks_for_a_link_to_their_data",
    ],
    "campaigns:inapp_email": [
        "fanloop/campaigns/tests/test_fan_forms_in_a_browser.py::test_a_fan_in_an_app_emails_themself_the_link"
    ],
    "campaigns:inapp_event": [
        "fanloop/campaigns/tests/test_fan_forms_in_a_browser.py::test_a_fan_in_an_app_copies_the_link"
    ],
    "campaigns:apple_token": [
        "fanloop/campaigns/tests/test_apple_in_a_browser.py::test_it_presaves_on_apple_music_in_a_phone_browser"
    ],
    "accounts:signup": [
        "fanloop/accounts/tests/test_signup_in_a_browser.py::test_a_musician_signs_up_through_the_emailed_link"
    ],
    "accounts:signup_finish": [
        "fanloop/accounts/tests/test_signup_in_a_browser.py::test_a_musician_signs_up_through_the_emailed_link"
    ],
    "accounts:login": [
        "fanloop/accounts/tests/test_forms_in_a_browser.py::test_a_member_logs_in_in_a_browser",
        "fanloop/accounts/tests/test_forms_in_a_browser.py::test_an_invited_member_joins_in_a_browser",
    ],
    "accounts:password_reset": [
        "fanloop/accounts/tests/test_forms_in_a_browser.py::test_a_member_resets_their_password_in_a_browser"
    ],
    "accounts:password_reset_confirm": [
        "fanloop/accounts/tests/test_forms_in_a_browser.py::test_a_member_resets_their_password_in_a_browser"
    ],
    "accounts:accept_invitation": [
        "fanloop/accounts/tests/test_forms_in_a_browser.py::test_an_invited_member_joins_in_a_browser"
    ],
}

# Namespaces whose POST routes are no page's form, with the reason.
EXEMPT_NAMESPACES = {
    "admin": "Django's own admin, for staff; its forms are Django's and tested there",
    "messaging:anymail": "email providers' webhooks: server-to-server posts, no page",
    "api-v1": "the REST API: bearer-token JSON calls, no page's form (fanloop/api/tests)",
    "api-no-route": "JSON 404 for any method at an address the API has no route for",
}


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(namespaced name, route) of every URL pattern, in resolution order."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _exempt(name: str) -> bool:
    return any(name.startswith(f"{namespace}:") for namespace in EXEMPT_NAMESPACES)


def _sample_path(route: str) -> str:
    """The route with a made-up value in each argument (ints get a number)."""
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route)


def public_post_routes() -> set[str]:
    client = Client(raise_request_exception=False)
    login = resolve_url(settings.LOGIN_URL)
    found = set()
    for name, route in _routes(get_resolver().url_patterns):
        if _exempt(name):
            continue
        assert not route.startswith("^"), f"{name}: a regex route; teach _sample_path about it"
        response = client.post(_sample_path(route), {})
        if response.status_code == 405:
            continue
        redirect = response.get("Location", "") if response.status_code in (302, 303) else ""
        if redirect and redirect.split("?")[0] == login:
            continue
        found.add(name)
    return found


def test_every_public_post_route_has_a_browser_test(db: None) -> None:
    found = public_post_routes()
    unlisted = sorted(found - set(BROWSER_TESTS))
    assert not unlisted, (
        f"public routes accepting POST without a browser test: {unlisted}; add a test that "
        "submits the form in Chromium from its page, and list it in BROWSER_TESTS"
    )
    stale = sorted(set(BROWSER_TESTS) - found)
    assert not stale, f"listed but no longer public POST routes: {stale}"


def _test_function(node: str) -> Any:
    path, function = node.split("::")
    assert (ROOT / path).is_file(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    test = getattr(module, function, None)
    assert callable(test), f"{node} does not exist"
    return module, test


@pytest.mark.parametrize(
    "node",
    sorted({n for nodes in BROWSER_TESTS.values() for n in nodes}),
    ids=lambda node: node.rsplit("::", 1)[1],
)
def test_each_listed_browser_test_exists_and_drives_chromium(node: str) -> None:
    module, test = _test_function(node)
    marks = [*getattr(module, "pytestmark", []), *getattr(test, "pytestmark", [])]
    assert any(mark.name == "browser" for mark in marks), f"{node} is not marked browser"


def test_it_notices_a_new_public_post_route(db: None, settings: Any) -> None:
    """The guard itself: a route added without a browser test is found."""
    settings.ROOT_URLCONF = "fanloop.lib.tests.urls_with_a_new_form"
    assert "new_form" in public_post_routes()
