"""Which errors of a mail backend are temporary: the message goes back to pending and is
retried later; any other error fails that message for good.

Temporary: the server unreachable or gone mid-conversation (``OSError``, which covers
``ConnectionError``, timeouts, ``SMTPServerDisconnected`` and ``SMTPConnectError``), any
4xx SMTP reply (every refused recipient 4xx, for ``SMTPRecipientsRefused``), a reply
refusing the sender or the login (the install's configuration, not the fan's address),
and a provider API answering 429 or 5xx, or not at all. Permanent: a 5xx SMTP reply for
the recipient or the data, an invalid address, a provider's other 4xx answers, and any
error not listed (a bug is not retried in a loop).
"""

from __future__ import annotations

import smtplib

from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)

__all__ = ["is_temporary"]


def _temporary_code(code: object) -> bool:
    return isinstance(code, int) and 400 <= code < 500


def _smtp_temporary(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [reply[0] for reply in exc.recipients.values()]
        return bool(codes) and all(_temporary_code(code) for code in codes)
    if isinstance(exc, smtplib.SMTPConnectError):
        return True
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return True  # the install's sender or login: nothing wrong with this message
    if isinstance(exc, smtplib.SMTPResponseException):
        return _temporary_code(exc.smtp_code)
    # SMTPServerDisconnected, SMTPNotSupportedError and the like: the server, not the message.
    return True


def _api_temporary(exc: AnymailAPIError) -> bool:
    status = getattr(exc, "status_code", None)
    if status is None:
        # No answer at all: anymail raises its error from the connection error or timeout
        # (requests' errors are OSErrors).
        return isinstance(exc.__cause__, OSError)
    return bool(status == 429 or status >= 500)


def is_temporary(exc: BaseException) -> bool:
    """Whether a send that raised ``exc`` should be retried later (see the module doc)."""
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(exc, AnymailAPIError):
        return _api_temporary(exc)
    if isinstance(exc, smtplib.SMTPException):  # before OSError: SMTPException is one
        return _smtp_temporary(exc)
    return isinstance(exc, OSError)
