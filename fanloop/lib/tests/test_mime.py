"""``mime.compose`` writes the bytes Django's message and the email package's generator
write, byte for byte, for the messages it composes; the others it leaves to Django."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import BadHeaderError, sanitize_address

from fanloop.lib import mime

BOUNDARY = "===============1234567890123456789=="
UNSUBSCRIBE = (
    "<http://testserver/u/.eJyrVkrLz1eyUkrKL1KqBQAgNQRd:1tX3aB:Zx-_9kQwErTyUiOpAsDfGhJkL/>"
)
TEXT = "Hi Jo,\n\nFirst Light is out now.\nListen: http://testserver/e/c/abc\n\n--\nUnsubscribe"
HTML = "<html><body><p>Hi Jo,</p>\n<p>First Light is out now.</p></body></html>\n"


def _email(**changes: Any) -> EmailMultiAlternatives:
    fields: dict[str, Any] = {
        "subject": "First Light is out",
        "body": TEXT,
        "from_email": "The Lanterns <noreply@fanloop.example>",
        "to": ["jo@fans.example"],
        "headers": {
            "Message-ID": "<0123456789abcdef0123456789abcdef01234567@fanloop.example>",
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        "html": HTML,
    }
    fields.update(changes)
    html = fields.pop("html")
    message = EmailMultiAlternatives(**fields)
    message.attach_alternative(html, "text/html")
    return message


def _django(message: EmailMultiAlternatives) -> bytes:
    tree = message.message()
    tree.set_boundary(BOUNDARY)
    return bytes(tree.as_bytes(linesep="\r\n"))


CASES: dict[str, dict[str, Any]] = {
    "plain": {},
    "non-ASCII subject": {"subject": "Première écoute: « Lumière » 🎶"},
    "long subject": {"subject": "A subject long enough to be folded by the generator " * 3},
    "long ASCII words": {"subject": "x" * 120},
    "non-ASCII sender": {"from_email": "Sigur Rós <noreply@fanloop.example>"},
    "quoted sender": {"from_email": '"Lanterns, The" <noreply@fanloop.example>'},
    "bare sender": {"from_email": "noreply@fanloop.example"},
    "plus and capitals": {"to": ["Jo.Fan+news@Fans.Example"]},
    "non-ASCII address": {"to": ["jö@fans.example"]},
    "IDN domain": {"to": ["jo@bücher.example"]},
    "two recipients": {"to": ["a@fans.example", "b@fans.example"]},
    "non-ASCII bodies": {"body": "Grüße, Zoë — ✨\r\nZeile\rzwei\n", "html": "<p>Grüße ✨</p>"},
    "empty html": {"html": ""},
    "body without a final newline": {"body": "one line"},
    "line just at the limit": {"body": "a" * 998 + "\nb"},
    "long body of short lines": {"body": "a line\n" * 300, "html": "<p>a line</p>\r\n" * 300},
    "mailto unsubscribe": {
        "headers": {
            "Message-ID": "<abc@fanloop.example>",
            "List-Unsubscribe": f"{UNSUBSCRIBE}, <mailto:u@fanloop.example?subject=x%20y>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    },
    "short values": {"headers": {"Message-ID": "<a@b>", "X-Tag": "one  two", "X-Empty": ""}},
    "no Message-ID": {"headers": {"X-Tag": "news"}},
    "a boundary-like line in the body": {"body": f"--{BOUNDARY}\nstill text"},
}


@pytest.mark.parametrize("changes", CASES.values(), ids=CASES.keys())
@time_machine.travel("2030-01-01 12:00:00+00:00", tick=False)
def test_it_writes_what_django_writes(changes: dict[str, Any]) -> None:
    message = _email(**changes)
    composed = mime.compose(message, boundary=BOUNDARY)
    assert composed is not None
    expected = _django(message)
    if "Message-ID" not in message.extra_headers:  # a random one each time: compare the rest
        composed, expected = (
            b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"Message-ID"))
            for raw in (composed, expected)
        )
    assert composed.split(b"\r\n\r\n")[0] == expected.split(b"\r\n\r\n")[0]  # headers first
    assert composed == expected


PLAIN_ADDRESSES = ["jo@fans.example", "Jo.Fan+news@Fans.Example", "a.b-c_d@x-y.z"]


@pytest.mark.parametrize("address", PLAIN_ADDRESSES)
def test_a_plain_address_is_what_sanitize_address_makes_of_it(address: str) -> None:
    assert mime._recipient(address) == sanitize_address(address, "utf-8") == address


@pytest.mark.parametrize("address", ["jö@fans.example", "jo@bücher.example", '"a b"@c.example'])
def test_other_addresses_go_through_sanitize_address(address: str) -> None:
    assert mime._recipient(address) == sanitize_address(address, "utf-8")


@pytest.mark.parametrize(
    "value", ["<a@b>", "one two three", "x" * 60, "List-Unsubscribe=One-Click", "a,b;c=d"]
)
def test_a_short_plain_value_is_written_as_the_folding_writes_it(value: str) -> None:
    assert mime._header("X-Test", value) == mime._folded.__wrapped__("X-Test", value)


def test_the_wire_has_the_envelope_of_djangos_smtp_backend() -> None:
    message = _email(to=["jo@bücher.example"])
    on_wire = mime.wire(message)
    assert on_wire is not None
    assert on_wire.sender == sanitize_address(message.from_email, "utf-8")
    assert on_wire.recipients == ["jo@xn--bcher-kva.example"]


CASES_LEFT_TO_DJANGO: dict[str, Any] = {
    "a line over 998 characters": lambda m: setattr(m, "body", "a" * 999),
    "an attachment": lambda m: m.attach("a.txt", "text", "text/plain"),
    "a second alternative": lambda m: m.attach_alternative("x", "text/x-amp-html"),
    "a Cc": lambda m: setattr(m, "cc", ["c@fans.example"]),
    "a Bcc": lambda m: setattr(m, "bcc", ["c@fans.example"]),
    "a Reply-To": lambda m: setattr(m, "reply_to", ["c@fans.example"]),
    "a From header": lambda m: m.extra_headers.update({"From": "x@fans.example"}),
    "a Date header": lambda m: m.extra_headers.update({"date": "Mon, 1 Jan 2030 0:00 +0000"}),
    "another charset": lambda m: setattr(m, "encoding", "iso-8859-1"),
    "no body": lambda m: setattr(m, "body", ""),
}


@pytest.mark.parametrize("change", CASES_LEFT_TO_DJANGO.values(), ids=CASES_LEFT_TO_DJANGO.keys())
def test_it_leaves_other_messages_to_django(change: Any) -> None:
    message = _email()
    change(message)
    assert mime.compose(message) is None and mime.wire(message) is None


def test_a_line_break_in_a_header_is_refused_as_django_refuses_it() -> None:
    with pytest.raises(BadHeaderError):
        mime.compose(_email(subject="two\nlines"))


def test_what_it_writes_reads_back_as_the_message() -> None:
    composed = mime.compose(_email(subject="Grüße ✨", body="Grüße\n"))
    assert composed is not None
    parsed = email.message_from_bytes(composed, policy=email.policy.default)
    assert parsed["Subject"] == "Grüße ✨" and parsed["To"] == "jo@fans.example"
    assert parsed["List-Unsubscribe"].strip() == UNSUBSCRIBE  # folded onto its own line
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text is not None and text.get_content() == "Grüße\r\n"
    assert html is not None and html.get_content() == HTML.replace("\n", "\r\n")


def test_only_a_backend_sending_as_djangos_smtp_backend_gets_the_bytes() -> None:
    from django.core.mail.backends.locmem import EmailBackend as Locmem
    from django.core.mail.backends.smtp import EmailBackend as Smtp

    class OwnTls(Smtp):
        def open(self) -> bool | None:
            return super().open()

    class OwnSending(Smtp):
        def send_messages(self, email_messages: Any) -> int:
            return super().send_messages(email_messages)

    assert mime.sends_as_django_smtp(Smtp()) and mime.sends_as_django_smtp(OwnTls())
    assert not mime.sends_as_django_smtp(OwnSending())
    assert not mime.sends_as_django_smtp(Locmem())


def test_without_bytes_the_backend_sends_the_message(mailoutbox: list[Any]) -> None:
    from django.core.mail.backends.locmem import EmailBackend as Locmem

    message = _email()
    assert mime.send(message, Locmem(), None) == 1
    assert [m.to for m in mailoutbox] == [message.to]
