"""Idempotency keys for the mail backends that take one: a send interrupted after the
message was handed over ("in doubt") is made again with the same key, and the provider
drops the second copy.

A backend says it takes a key with ``takes_idempotency_key = True`` and reads it from the
message's ``idempotency_key`` attribute. ``ResendEmailBackend`` is django-anymail's Resend
backend passing it as Resend's ``Idempotency-Key`` request header (kept by Resend for 24
hours). Django's SMTP backend and the other anymail providers take none: their in-doubt
messages stay in doubt (the Message-ID is the same on every attempt for one outbox row,
so a mailbox that received one can be found by it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from anymail.backends.resend import EmailBackend as AnymailResendBackend
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

__all__ = ["IDEMPOTENCY_WINDOW", "ResendEmailBackend", "set_idempotency_key", "takes_key"]

# A provider remembers a key this long (Resend: 24 hours); an in-doubt send older than
# this is not retried, the key may be forgotten.
IDEMPOTENCY_WINDOW = dt.timedelta(hours=23)
MAX_KEY_LENGTH = 256  # Resend's limit


def takes_key(backend: BaseEmailBackend) -> bool:
    """Whether ``backend`` passes an idempotency key to its provider."""
    return bool(getattr(backend, "takes_idempotency_key", False))


def set_idempotency_key(email: EmailMessage, key: str) -> None:
    """The key ``email`` is sent with, by a backend that ``takes_key``."""
    email.idempotency_key = key[:MAX_KEY_LENGTH]  # type: ignore[attr-defined]


class ResendEmailBackend(AnymailResendBackend):
    """django-anymail's Resend backend, with the message's idempotency key."""

    takes_idempotency_key = True

    def build_message_payload(self, message: EmailMessage, defaults: dict[str, Any]) -> Any:
        payload = super().build_message_payload(message, defaults)
        key = getattr(message, "idempotency_key", "")
        if key:
            payload.headers["Idempotency-Key"] = key
        return payload
