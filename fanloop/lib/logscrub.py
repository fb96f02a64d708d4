"""Keep the secrets that fans' and members' links carry in their addresses out of the logs.

A portal, action, unsubscribe, confirmation, tracking or invitation address is its own
credential: a request log line ("Bad Request: /me/<token>/delete/") must not hand it to
whoever reads the logs. ``ScrubTokens`` is a logging filter (fanloop's handlers and its
request, security and server-access loggers use it) that replaces those path segments,
and the values of OAuth and invitation query parameters, by ``<token>``.
"""

from __future__ import annotations

import logging
import re

# First path segments (after any script prefix) whose next segment is a secret token.
TOKEN_PREFIXES = (
    "me",  # the fan's data portal
    "a",  # one-click action pages of flow emails
    "u",  # unsubscribe
    "e/confirm",  # double opt-in confirmation
    "e/c",  # click tracking
    "e/o",  # open tracking pixel
    "accounts/invite",  # workspace invitations
    "accounts/signup/finish",  # the emailed link that finishes a sign-up
)
# Query parameters whose value is a secret (OAuth callbacks, invited sign-up).
SECRET_PARAMETERS = ("code", "state", "token", "invite")
MASK = "<token>"

_SEGMENT = r"[^/\s?#\"'<>]+"
_TOKEN_PATH = re.compile(
    r"(?P<lead>/(?:" + "|".join(re.escape(p) for p in TOKEN_PREFIXES) + r")/)" + _SEGMENT
)
# Django's reset link: /accounts/password/reset/<uidb64>/<token>/; after its first visit
# the token is swapped for "set-password", which is no secret.
_RESET_PATH = re.compile(r"(?P<lead>/accounts/password/reset/[^/\s]+/)(?!set-password/)" + _SEGMENT)
_SECRET_QUERY = re.compile(r"(?P<lead>[?&](?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&\s#\"'<>]+")


def scrub(text: str) -> str:
    """``text`` with every token of a known token address replaced by ``<token>``."""
    if "/" not in text:
        return text
    for pattern in (_TOKEN_PATH, _RESET_PATH, _SECRET_QUERY):
        text = pattern.sub(rf"\g<lead>{MASK}", text)
    return text


class ScrubTokens(logging.Filter):
    """Rewrites a record's message (formatted with its arguments) without its tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: let the handler report it
            return True
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True
