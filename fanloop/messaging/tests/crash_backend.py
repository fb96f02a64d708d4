"""A mail backend that really delivers (to the test SMTP sink), then "crashes" the process
before the caller can record the outcome: the window at-most-once must survive."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend


class ProcessDied(BaseException):
    """Stands for the worker being killed: not an Exception, so nothing catches it."""


class DeliverThenDie(EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = super().send_messages(email_messages)
        raise ProcessDied(f"killed after handing over {sent} message(s)")
