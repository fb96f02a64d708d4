"""The bytes Django's SMTP backend sends for a text email with an HTML alternative,
composed directly instead of through the email package's message tree and generator.

``compose`` gives the same bytes as ``EmailMultiAlternatives.message().as_bytes()`` (a
test compares them header by header and byte by byte), for the messages it knows: one
text body with one ``text/html`` alternative, no attachments, no Cc, Bcc or Reply-To,
UTF-8, no line over RFC 5322's 998 characters (Django would quoted-printable-encode it).
Anything else is ``None`` and goes through Django as before. Building the tree and
folding every header of every part cost about 0.6 ms of CPU a message, a fifth of a
broadcast's send path (profiled with bench/broadcast.py); the constant headers are now
folded once, the per-recipient ones (To, Date, Message-ID, List-Unsubscribe) written
directly when they are short plain ASCII, as the folding would leave them.

``send`` hands the composed bytes to the connection of a backend that sends as Django's
SMTP backend does (the same lock, connection handling and errors), else sends the message
through the backend (locmem, console, anymail, or an SMTP backend with its own sending).
"""

from __future__ import annotations

import functools
import random
import re
import smtplib
import sys
from dataclasses import dataclass
from email.policy import compat32
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.core.mail.utils import DNS_NAME

__all__ = ["Wire", "compose", "send", "sends_as_django_smtp", "wire"]

# What the email package's generator writes with, for Django's SMTP backend.
POLICY = compat32.clone(linesep="\r\n")
MAX_HEADER_LINE = 78  # the policy's max_line_length: a shorter header line is not folded
# A header value the folding leaves as it is: printable ASCII words, single spaces.
PLAIN_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*\Z")
# An address ``sanitize_address`` returns unchanged: a dot-atom local part and an ASCII
# domain of labels of 1 to 63 characters (what IDNA accepts as it is).
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\Z"
)
NEWLINES = re.compile(rb"\r\n|\r|\n")  # the generator's line ends (email.generator.NLCRE)
# Headers Django's message() writes itself, from the message's fields.
OWN_HEADERS = frozenset({"from", "to", "cc", "reply-to", "date"})
BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))  # as email.generator makes a boundary
HEADER_CACHE_SIZE = 256  # subjects and senders of the batches being sent


@functools.lru_cache(maxsize=HEADER_CACHE_SIZE)
def _folded(name: str, value: str) -> bytes:
    """One header line as Django's message stores it and the generator folds it (a
    BadHeaderError for a value with a line break, as Django)."""
    _, stored = forbid_multi_line_headers(name, value, "utf-8")
    return POLICY.fold_binary(name, stored)


def _header(name: str, value: str) -> bytes:
    """``_folded`` for a value that changes with each message: written directly when the
    folding would leave it as it is (short, plain ASCII; a subject is always folded)."""
    if (
        len(name) + len(value) + 2 <= MAX_HEADER_LINE
        and PLAIN_VALUE.match(value)
        and name.lower() != "subject"
    ):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded.__wrapped__(name, value)


@functools.lru_cache(maxsize=HEADER_CACHE_SIZE)
def _sender(address: str) -> str:
    return sanitize_address(address, "utf-8")


def _recipient(address: str) -> str:
    return address if PLAIN_ADDRESS.match(address) else sanitize_address(address, "utf-8")


def _text_part(subtype: str, text: str) -> bytes | None:
    """A ``SafeMIMEText`` part as the generator writes it (None: Django would encode it
    quoted-printable for a line over the limit)."""
    body = text.encode("utf-8")
    if len(body) > RFC5322_EMAIL_LINE_LENGTH_LIMIT and (
        max(map(len, body.splitlines())) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
    ):
        return None
    cte = b"7bit" if body.isascii() else b"8bit"
    head = b'Content-Type: text/%s; charset="utf-8"\r\nMIME-Version: 1.0\r\n' % subtype.encode()
    return head + b"Content-Transfer-Encoding: %s\r\n\r\n" % cte + _crlf(body)


def _crlf(body: bytes) -> bytes:
    """Every line end as CRLF, as the generator writes them (a plain replace when the body
    has only LF ends: a tenth of the regular expression's time on a 1.5 kB body)."""
    if b"\r" in body:
        return NEWLINES.sub(b"\r\n", body)
    return body.replace(b"\n", b"\r\n")


def _boundary(*parts: bytes) -> str:
    """A random boundary as the generator makes one, found in none of ``parts``."""
    while True:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{BOUNDARY_DIGITS}d}" + "=="
        mark = f"--{boundary}".encode()
        if not any(mark in part for part in parts):
            return boundary


def _composable(email: EmailMultiAlternatives) -> bool:
    """Whether ``compose`` writes this message (else Django does)."""
    encoding = email.encoding or settings.DEFAULT_CHARSET
    return (
        type(email) is EmailMultiAlternatives
        and str(encoding).lower() in ("utf-8", "utf8")
        and bool(email.body)
        and bool(email.to)
        and not (email.cc or email.bcc or email.reply_to or email.attachments)
        and len(email.alternatives) == 1
        and email.alternatives[0][1] == "text/html"
        and not any(name.lower() in OWN_HEADERS for name in email.extra_headers)
    )


def compose(email: EmailMultiAlternatives, *, boundary: str | None = None) -> bytes | None:
    """``email.message().as_bytes(linesep="\\r\\n")``, or None for a message it does not
    compose (see the module docstring). ``boundary``: the multipart boundary (tests)."""
    if not _composable(email):
        return None
    text = _text_part(email.content_subtype, str(email.body))
    html = _text_part("html", str(email.alternatives[0][0]))
    if text is None or html is None:
        return None
    boundary = boundary or _boundary(text, html)
    names = {name.lower() for name in email.extra_headers}
    head = [
        b'Content-Type: multipart/alternative;\r\n boundary="%s"\r\n' % boundary.encode(),
        b"MIME-Version: 1.0\r\n",
        _folded("Subject", str(email.subject)),
        _folded("From", str(email.from_email)),
        _header("To", ", ".join(str(address) for address in email.to)),
        _header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
    ]
    if "message-id" not in names:
        head.append(_header("Message-ID", make_msgid(domain=DNS_NAME)))
    head += [_header(name, str(value)) for name, value in email.extra_headers.items()]
    mark = b"--" + boundary.encode()
    body = [mark, b"\r\n", text, b"\r\n", mark, b"\r\n", html, b"\r\n", mark, b"--\r\n"]
    return b"".join([*head, b"\r\n", *body])


@dataclass(frozen=True)
class Wire:
    """What goes on the wire for one message: the envelope and the message's bytes."""

    sender: str
    recipients: list[str]
    data: bytes


def wire(email: EmailMultiAlternatives) -> Wire | None:
    """The envelope and bytes Django's SMTP backend would send, or None (see
    ``compose``)."""
    data = compose(email)
    if data is None:
        return None
    return Wire(_sender(email.from_email), [_recipient(a) for a in email.recipients()], data)


def sends_as_django_smtp(backend: BaseEmailBackend) -> bool:
    """Whether ``backend`` sends as Django's SMTP backend does (a subclass may change how
    it opens its connection, not how it sends)."""
    kind = type(backend)
    return (
        isinstance(backend, SmtpBackend)
        and kind.send_messages is SmtpBackend.send_messages
        and kind._send is SmtpBackend._send  # type: ignore[attr-defined]
    )


def send(email: EmailMultiAlternatives, backend: BaseEmailBackend, on_wire: Wire | None) -> int:
    """Send ``email`` through ``backend``: ``on_wire`` (from ``wire``) straight to the SMTP
    connection as ``SmtpBackend.send_messages`` would; without it, by the backend."""
    if on_wire is None or not isinstance(backend, SmtpBackend):
        email.connection = backend
        return email.send()
    with backend._lock:
        new_connection = backend.open()
        if not backend.connection or new_connection is None:
            return 0  # failed silently to open, as send_messages
        try:
            backend.connection.sendmail(on_wire.sender, on_wire.recipients, on_wire.data)
        except smtplib.SMTPException:
            if not backend.fail_silently:
                raise
            return 0
        finally:
            if new_connection:
                backend.close()
    return 1
