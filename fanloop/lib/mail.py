"""Sending one email from a template triple: ``<prefix>-subject.txt``, ``-body-text.txt``
and ``-body-html.html``, with the site's name and URL in every context."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from fanloop.lib.hooks import Hooks


def message_id_domain() -> str:
    """The domain of the Message-IDs fanloop makes: the sender's, else the site's."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"


def new_message_id() -> str:
    """A random, unguessable Message-ID header (160 bits)."""
    return f"<{secrets.token_hex(20)}@{message_id_domain()}>"


@dataclass(frozen=True)
class WorkspaceMail:
    """An email sent on a workspace's behalf outside the outbox (a fan's confirmation, an
    in-app link): its Message-ID, the workspace and what kind of email it is."""

    message_id: str
    workspace_id: int
    kind: str


# Called before such an email leaves: messaging records it for the workspace's demo mailbox.
workspace_mail: Hooks[WorkspaceMail] = Hooks("workspace mail")


def workspace_headers(workspace_id: int, kind: str) -> dict[str, str]:
    """The headers of an email sent on the workspace's behalf outside the outbox: a new
    Message-ID, told to the ``workspace_mail`` hooks."""
    mail = WorkspaceMail(new_message_id(), workspace_id, kind)
    workspace_mail.run(mail)
    return {"Message-ID": mail.message_id}


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
