"""Emails sent to fans: one function per email, one template triple per email.

Templates live in ``fans/emails/<name>-subject.txt``, ``-body-text.txt`` and
``-body-html.html``; every email carries the fan's "manage my data" link, and a Message-ID
recorded for the workspace it is sent for (the demo mailbox shows it there only).
"""

from __future__ import annotations

from typing import Any

from fanloop.fans import links
from fanloop.lib.mail import send_templated, workspace_headers


def send(name: str, to: str, context: dict[str, Any], *, workspace_id: int) -> None:
    """Render the ``name`` template triple and send it; errors reach the caller."""
    headers = workspace_headers(workspace_id, f"fans:{name}")
    send_templated(f"fans/emails/{name}", to, context, headers=headers)


def send_email_confirmation(
    to: str,
    *,
    workspace_id: int,
    sender_name: str,
    release_title: str,
    confirm_url: str,
    portal_url: str,
    wording: str,
) -> None:
    """The double opt-in email: nothing is sent to ``to`` until this link is followed."""
    send(
        "confirm-email",
        to,
        {
            "sender_name": sender_name,
            "release_title": release_title,
            "confirm_url": confirm_url,
            "portal_url": portal_url,
            "wording": wording,
            "link_days": links.CONFIRM_LINK_DAYS,
        },
        workspace_id=workspace_id,
    )


def send_portal_link(to: str, *, workspace_id: int, workspace_name: str, portal_url: str) -> None:
    """A fan asked (often by replying to an email) to see or delete their data."""
    send(
        "portal-link",
        to,
        {
            "workspace_name": workspace_name,
            "portal_url": portal_url,
            "link_days": links.PORTAL_LINK_DAYS,
        },
        workspace_id=workspace_id,
    )
