"""Signed tokens in flow emails: unsubscribe, tracked clicks and the open pixel.

Each kind has its own salt, so one can never be replayed as another (or as a portal or
action link). They do not expire: an unsubscribe link must keep working for as long as
the email sits in an inbox, and a click token only ever redirects to the URL it signs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing

from fanloop.fans.links import InvalidLink
from fanloop.lib.urls import reverse_cached

UNSUBSCRIBE_SALT = "fanloop.messaging.unsubscribe"
CLICK_SALT = "fanloop.messaging.click"
OPEN_SALT = "fanloop.messaging.open"
# The payload of the unsubscribe link in test sends and previews: it does nothing.
TEST_PAYLOAD = {"t": 1}


def _sign(payload: dict[str, Any], salt: str) -> str:
    return signing.Signer(salt=salt).sign_object(payload, compress=True)


def _unsign(token: str, salt: str) -> dict[str, Any]:
    try:
        payload = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise InvalidLink("This link is not valid: it may have been cut or changed.") from None
    if not isinstance(payload, dict):
        raise InvalidLink("This link is not valid.")
    return payload


def unsubscribe_token(fan_pk: int, message_pk: int | None) -> str:
    return _sign({"f": fan_pk, "m": message_pk}, UNSUBSCRIBE_SALT)


def test_unsubscribe_token() -> str:
    return _sign(TEST_PAYLOAD, UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, int | None] | None:
    """(fan id, message id or None); None for a test send's link; InvalidLink if bad."""
    payload = _unsign(token, UNSUBSCRIBE_SALT)
    if payload == TEST_PAYLOAD:
        return None
    fan_pk, message_pk = payload.get("f"), payload.get("m")
    if not isinstance(fan_pk, int) or not (message_pk is None or isinstance(message_pk, int)):
        raise InvalidLink("This link is not valid.")
    return fan_pk, message_pk


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL + reverse_cached("messaging:unsubscribe", token=token)


def click_url(message_pk: int, url: str) -> str:
    token = _sign({"m": message_pk, "u": url}, CLICK_SALT)
    return settings.SITE_URL + reverse_cached("messaging:click", token=token)


def read_click_token(token: str) -> tuple[int, str]:
    """(message id, target URL) of a valid click token; the URL is http(s) only."""
    payload = _unsign(token, CLICK_SALT)
    message_pk, url = payload.get("m"), payload.get("u")
    if not isinstance(message_pk, int) or not isinstance(url, str):
        raise InvalidLink("This link is not valid.")
    if not url.lower().startswith(("https://", "http://")):
        raise InvalidLink("This link is not valid.")
    return message_pk, url


def open_url(message_pk: int) -> str:
    token = _sign({"m": message_pk}, OPEN_SALT)
    return settings.SITE_URL + reverse_cached("messaging:open", token=token)


def read_open_token(token: str) -> int:
    message_pk = _unsign(token, OPEN_SALT).get("m")
    if not isinstance(message_pk, int):
        raise InvalidLink("This link is not valid.")
    return message_pk
