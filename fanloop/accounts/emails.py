"""Emails sent by accounts: one function per email, one template triple per email.

Templates live in ``accounts/emails/<name>-subject.txt``, ``-body-text.txt`` and
``-body-html.html``; links are built from ``SITE_URL``, never from a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from fanloop.lib.mail import send_templated

if TYPE_CHECKING:
    from fanloop.accounts.models import Invitation


def send(name: str, to: str, context: dict[str, Any]) -> None:
    """Render the ``name`` template triple and send it; errors reach the caller."""
    send_templated(f"accounts/emails/{name}", to, context)


def send_invitation(invitation: Invitation) -> None:
    inviter = invitation.invited_by
    send(
        "invitation",
        invitation.email,
        {
            "invitation": invitation,
            "workspace_name": invitation.workspace.name,
            "inviter": inviter.email if inviter else "",
            "role": invitation.get_role_display(),
            "url": invitation.url(),
            "expires_at": invitation.expires_at,
            "ttl_days": settings.INVITATION_TTL_DAYS,
        },
    )
