"""Signed links sent to fans: the self-service portal and the email confirmation.

Both are ``TimestampSigner`` objects with their own salt, so one kind of link can never be
replayed as the other; links are absolute, built from ``SITE_URL``, never from a request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from fanloop.lib.urls import reverse_cached

PORTAL_SALT = "fanloop.fans.portal"
CONFIRM_SALT = "fanloop.fans.confirm-email"
# Days a fan's signed "manage my data" link works. Not measured; chosen as a month: long
# enough to come back from an email, short enough that a forwarded link goes stale.
PORTAL_LINK_DAYS = 30
# Days a fan's email-confirmation link works. Not measured; chosen as a week, like account
# invitations.
CONFIRM_LINK_DAYS = 7


class InvalidLink(ValueError):
    """A fan link that is tampered with, malformed or expired; ``expired`` tells which."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _sign(payload: dict[str, Any], salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign_object(payload, compress=True)


def _unsign(token: str, salt: str, max_age: dt.timedelta) -> dict[str, Any]:
    try:
        payload = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink("This link has expired.", expired=True) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise InvalidLink("This link is not valid: it may have been cut or changed.") from None
    if not isinstance(payload, dict):
        raise InvalidLink("This link is not valid.")
    return payload


# --- the portal ("manage my data") ------------------------------------------


def portal_token(fan_id: int, workspace_id: int) -> str:
    return _sign({"f": fan_id, "w": workspace_id}, PORTAL_SALT)


def read_portal_token(token: str) -> tuple[int, int]:
    """(fan id, workspace id) of a valid portal token, else InvalidLink."""
    payload = _unsign(token, PORTAL_SALT, dt.timedelta(days=PORTAL_LINK_DAYS))
    fan_id, workspace_id = payload.get("f"), payload.get("w")
    if not isinstance(fan_id, int) or not isinstance(workspace_id, int):
        raise InvalidLink("This link is not valid.")
    return fan_id, workspace_id


def portal_url_for(fan_id: int, workspace_id: int) -> str:
    token = portal_token(fan_id, workspace_id)
    return settings.SITE_URL + reverse_cached("fans:portal", token=token)


# --- email confirmation (double opt-in) -------------------------------------


def confirm_token(fan_id: int, email: str) -> str:
    # The address travels in the token: a fan who typed it on a thank-you page has it
    # attached only once the link proves they read that mailbox.
    return _sign({"f": fan_id, "e": email}, CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, str]:
    payload = _unsign(token, CONFIRM_SALT, dt.timedelta(days=CONFIRM_LINK_DAYS))
    fan_id, email = payload.get("f"), payload.get("e")
    if not isinstance(fan_id, int) or not isinstance(email, str) or not email:
        raise InvalidLink("This link is not valid.")
    return fan_id, email


def confirm_url(fan_id: int, email: str) -> str:
    token = confirm_token(fan_id, email)
    return settings.SITE_URL + reverse("campaigns:confirm_email", args=[token])
