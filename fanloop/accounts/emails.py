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


def _link_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def send_password_reset(to: str) -> int:
    """Email a reset link to each active account of ``to``; how many were sent (0 or 1)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from fanloop.accounts.models import User

    users = [
        user
        for user in User.objects.filter(email__iexact=to, is_active=True)
        if user.has_usable_password()
    ]
    for user in users:
        send(
            "password-reset",
            user.email,
            {
                "email": user.email,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
                "timeout_days": _link_days(),
            },
        )
    return len(users)


def send_signup_link(to: str, url: str, workspace_name: str) -> None:
    """The link that finishes a sign-up: only the owner of the mailbox chooses the password."""
    send(
        "signup-confirm",
        to,
        {"to": to, "url": url, "workspace_name": workspace_name, "link_days": _link_days()},
    )


def send_signup_exists(to: str, login_url: str, reset_url: str) -> None:
    """Someone tried to sign up with an address that already has an account."""
    send("signup-exists", to, {"to": to, "login_url": login_url, "reset_url": reset_url})


def send_webhook_disabled(to: str, data: dict[str, Any], url: str) -> None:
    """A workspace's webhook failed for a day and was disabled."""
    send(
        "webhook-disabled",
        to,
        {
            "workspace_name": data.get("workspace_name", ""),
            "webhook_url": data.get("url", ""),
            "hours": data.get("hours", ""),
            "url": url,
        },
    )
