"""Signed tokens in flow emails: unsubscribe, tracked clicks and the open pixel.

Each kind has its own salt, so one can never be replayed as another (or as a portal or
action link). Click links expire after ``CLICK_LINK_DAYS`` and unsubscribe links after
``UNSUBSCRIBE_LINK_DAYS`` (long after any law asks an unsubscribe link to work; every
newer email has a fresh one). Tokens made before they carried a timestamp are honoured
while their message is younger than that, then refused.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from fanloop.lib.signing import EXPIRED, InvalidLink, sign, unsign
from fanloop.lib.urls import reverse_cached
from fanloop.messaging.models import OutboundMessage

UNSUBSCRIBE_SALT = "fanloop.messaging.unsubscribe"
CLICK_SALT = "fanloop.messaging.click"
OPEN_SALT = "fanloop.messaging.open"
# The payload of the unsubscribe link in test sends and previews: it does nothing.
TEST_PAYLOAD = {"t": 1}
CLICK_LINK_DAYS = 90
UNSUBSCRIBE_LINK_DAYS = 365


def _read(token: str, salt: str, days: int | None = None) -> tuple[dict[str, object], bool]:
    """(payload, legacy): ``legacy`` for a token from before tokens had a timestamp."""
    max_age = dt.timedelta(days=days) if days is not None else None
    return unsign(token, salt, max_age=max_age, accept_unstamped=True)


def _legacy_in_time(message_pk: object, days: int) -> None:
    """InvalidLink (expired) unless the legacy token's message is younger than ``days``."""
    since = timezone.now() - dt.timedelta(days=days)
    if (
        not isinstance(message_pk, int)
        or not OutboundMessage.objects.filter(pk=message_pk, created__gt=since).exists()
    ):
        raise InvalidLink(EXPIRED, expired=True)


def unsubscribe_token(fan_pk: int, message_pk: int | None) -> str:
    return sign({"f": fan_pk, "m": message_pk}, UNSUBSCRIBE_SALT)


def test_unsubscribe_token() -> str:
    return sign(TEST_PAYLOAD, UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, int | None] | None:
    """(fan id, message id or None); None for a test send's link; InvalidLink if bad or
    expired."""
    payload, legacy = _read(token, UNSUBSCRIBE_SALT, UNSUBSCRIBE_LINK_DAYS)
    if payload == TEST_PAYLOAD:
        return None
    fan_pk, message_pk = payload.get("f"), payload.get("m")
    if legacy:
        _legacy_in_time(message_pk, UNSUBSCRIBE_LINK_DAYS)
    if not isinstance(fan_pk, int) or not (message_pk is None or isinstance(message_pk, int)):
        raise InvalidLink("This link is not valid.")
    return fan_pk, message_pk


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL + reverse_cached("messaging:unsubscribe", token=token)


def click_url(message_pk: int, url: str) -> str:
    token = sign({"m": message_pk, "u": url}, CLICK_SALT)
    return settings.SITE_URL + reverse_cached("messaging:click", token=token)


def read_click_token(token: str) -> tuple[int, str]:
    """(message id, target URL) of a valid click token; the URL is http(s) only.
    InvalidLink if bad, ``expired`` after ``CLICK_LINK_DAYS``."""
    payload, legacy = _read(token, CLICK_SALT, CLICK_LINK_DAYS)
    message_pk, url = payload.get("m"), payload.get("u")
    if legacy:
        _legacy_in_time(message_pk, CLICK_LINK_DAYS)
    if not isinstance(message_pk, int) or not isinstance(url, str):
        raise InvalidLink("This link is not valid.")
    if not url.lower().startswith(("https://", "http://")):
        raise InvalidLink("This link is not valid.")
    return message_pk, url


def open_url(message_pk: int) -> str:
    token = sign({"m": message_pk}, OPEN_SALT)
    return settings.SITE_URL + reverse_cached("messaging:open", token=token)


def read_open_token(token: str) -> int:
    message_pk = _read(token, OPEN_SALT)[0].get("m")
    if not isinstance(message_pk, int):
        raise InvalidLink("This link is not valid.")
    return message_pk
