"""Sending one email from a template triple: ``<prefix>-subject.txt``, ``-body-text.txt``
and ``-body-html.html``, with the site's name and URL in every context."""

from __future__ import annotations

import secrets
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def message_id_domain() -> str:
    """The domain of the Message-IDs fanloop makes: the sender's, else the site's."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"


def new_message_id() -> str:
    """A random, unguessable Message-ID header (160 bits)."""
    return f"<{secrets.token_hex(20)}@{message_id_domain()}>"


def send_templated(
    prefix: str, to: str, context: dict[str, Any], *, headers: dict[str, str] | None = None
) -> None:
    """Render the triple at ``prefix`` and send it to ``to``; errors reach the caller."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    # A newline in a subject would break the header, whatever the template produces.
    subject = " ".join(render_to_string(f"{prefix}-subject.txt", context).split())
    text = render_to_string(f"{prefix}-body-text.txt", context)
    html = render_to_string(f"{prefix}-body-html.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()
