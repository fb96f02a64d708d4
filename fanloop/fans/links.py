"""Signed links sent to fans: the self-service portal and the email confirmation.

Both are signed by ``fanloop/lib/signing.py`` with their own salt, so one kind of link can
never be replayed as the other; links are absolute, built from ``SITE_URL``, never from a
request.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from fanloop.lib.signing import InvalidLink, sign, unsign
from fanloop.lib.urls import reverse_cached

PORTAL_SALT = "fanloop.fans.portal"
CONFIRM_SALT = "fanloop.fans.confirm-email"
# Days a fan's signed "manage my data" link works. Not measured; chosen as a month: long
# enough to come back from an email, short enough that a forwarded link goes stale.
PORTAL_LINK_DAYS = 30
# Days a fan's email-confirmation link works. Not measured; chosen as a week, like account
# invitations.
CONFIRM_LINK_DAYS = 7


# --- the portal ("manage my data") ------------------------------------------


def portal_token(fan_id: int, workspace_id: int) -> str:
    return sign({"f": fan_id, "w": workspace_id}, PORTAL_SALT)


def read_portal_token(token: str) -> tuple[int, int]:
    """(fan id, workspace id) of a valid portal token, else InvalidLink."""
    payload, _ = unsign(token, PORTAL_SALT, max_age=dt.timedelta(days=PORTAL_LINK_DAYS))
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
    return sign({"f": fan_id, "e": email}, CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, str]:
    payload, _ = unsign(token, CONFIRM_SALT, max_age=dt.timedelta(days=CONFIRM_LINK_DAYS))
    fan_id, email = payload.get("f"), payload.get("e")
    if not isinstance(fan_id, int) or not isinstance(email, str) or not email:
        raise InvalidLink("This link is not valid.")
    return fan_id, email


def confirm_url(fan_id: int, email: str) -> str:
    token = confirm_token(fan_id, email)
    return settings.SITE_URL + reverse("campaigns:confirm_email", args=[token])
