"""Signed, timestamped tokens for the links fanloop sends (portal, email confirmation,
one-click actions, unsubscribe, tracked clicks and opens): one signer for all of them.

Each kind of link has its own salt, so one can never be replayed as another. Payloads are
small dicts, compressed, signed with ``SECRET_KEY`` by Django's ``TimestampSigner``; tokens
signed with a key listed in ``SECRET_KEY_FALLBACKS`` keep verifying after a rotation. The
format is Django's (``payload:timestamp:signature``): tokens already sent keep reading.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing

EXPIRED = "This link has expired."


class InvalidLink(ValueError):
    """A link that is tampered with, malformed or expired; ``expired`` tells which."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def sign(payload: dict[str, Any], salt: str) -> str:
    """A timestamped token carrying ``payload``, signed under ``salt``."""
    return signing.TimestampSigner(salt=salt).sign_object(payload, compress=True)


def unsign(
    token: str,
    salt: str,
    *,
    max_age: dt.timedelta | None = None,
    accept_unstamped: bool = False,
) -> tuple[dict[str, Any], bool]:
    """(payload, unstamped) of a valid token, else InvalidLink (``expired`` once it is older
    than ``max_age``). With ``accept_unstamped``, a token signed without a timestamp (as
    the email links were at first) reads too, with ``unstamped`` True: its caller decides
    how long it stays good."""
    try:
        payload = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
        unstamped = False
    except signing.SignatureExpired:
        raise InvalidLink(EXPIRED, expired=True) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        if not accept_unstamped:
            raise InvalidLink("This link is not valid: it may have been cut or changed.") from None
        try:
            payload, unstamped = signing.Signer(salt=salt).unsign_object(token), True
        except (signing.BadSignature, ValueError, UnicodeDecodeError):
            raise InvalidLink("This link is not valid: it may have been cut or changed.") from None
    if not isinstance(payload, dict):
        raise InvalidLink("This link is not valid.")
    return payload, unstamped
