"""Writes for accounts: every view, command and test goes through these.

Domain rules (last owner, invitation validity, who may do what) live here and
fail with an ``AccountsError`` whose message can be shown to the user as is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from fanloop.accounts import emails, outbox, passwords
from fanloop.accounts.models import (
    AccountEmailKind,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
)
from fanloop.lib.reserved import is_reserved

# An owner pressing "resend" repeatedly must not turn fanloop into a mail cannon.
RESEND_COOLDOWN = dt.timedelta(seconds=60)
REVOKED_MESSAGE = (
    "This invitation link is not valid any more: it may have been revoked. "
    "Ask the person who invited you to send a new one."
)
WORKSPACE_NAME_MAX = Workspace._meta.get_field("name").max_length or 100


class AccountsError(Exception):
    """A rule of accounts was broken; ``str(error)`` is a message for the user."""


class EmailTaken(AccountsError):
    pass


class NotAllowed(AccountsError):
    pass


class LastOwner(AccountsError):
    pass


class AlreadyMember(AccountsError):
    pass


class InvitationInvalid(AccountsError):
    pass


class SentTooRecently(AccountsError):
    pass


@dataclass(frozen=True)
class SignUp:
    user: User
    workspace: Workspace


# The services that create a workspace, as the views get them from the URL map: a higher
# app (flows) adds what a new workspace starts with in the same transaction.
SignUpService = Callable[[str, str, str], SignUp]
WorkspaceService = Callable[[str, User], Workspace]


def normalize_email(email: str) -> str:
    # Emails are stored lowercase (see UserManager), so compare them lowercase too.
    return email.strip().lower()


def clean_workspace_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise AccountsError("Give the workspace a name.")
    if len(name) > WORKSPACE_NAME_MAX:
        raise AccountsError(f"Keep the workspace name under {WORKSPACE_NAME_MAX} characters.")
    return name


def unique_workspace_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    # Never one of fanloop's own path names: /w/api/ would read like a route, and a
    # workspace slug should be able to become a top-level address later.
    while is_reserved(slug) or Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _owner_count(workspace: Workspace) -> int:
    # Locking the owners' rows serialises concurrent demotions on PostgreSQL, so two
    # owners demoting each other at once cannot leave the workspace without one.
    return len(
        Membership.objects.select_for_update()
        .filter(workspace=workspace, role=Role.OWNER)
        .values_list("pk", flat=True)
    )


def _require_owner(workspace: Workspace, user: User) -> None:
    if not Membership.objects.filter(workspace=workspace, user=user, role=Role.OWNER).exists():
        raise NotAllowed("Only an owner of this workspace can do this.")


def _check_not_last_owner(membership: Membership, action: str) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.workspace) <= 1:
        raise LastOwner(
            f"{membership.user.email} is the last owner of {membership.workspace.name}: "
            f"make another member an owner before you {action}."
        )


# --- users and workspaces -----------------------------------------------------


def _create_user(email: str, password: str) -> User:
    email = normalize_email(email)
    passwords.validate(password, User(email=email))
    if User.objects.filter(email=email).exists():
        raise EmailTaken("An account with this email already exists. Log in instead.")
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password)
    except IntegrityError:  # a concurrent sign-up with the same email won the race
        raise EmailTaken("An account with this email already exists. Log in instead.") from None


@transaction.atomic
def sign_up(email: str, password: str, workspace_name: str) -> SignUp:
    """Create an account and its first workspace, owned by it.

    Raises ``django.core.exceptions.ValidationError`` for a weak password.
    """
    name = clean_workspace_name(workspace_name)
    user = _create_user(email, password)
    return SignUp(user=user, workspace=create_workspace(name, user))


def request_signup(email: str, workspace_name: str) -> None:
    """Queue the sign-up email; the worker sends a link to finish, or "log in instead"."""
    name = clean_workspace_name(workspace_name)
    outbox.queue(AccountEmailKind.SIGNUP, normalize_email(email), {"workspace_name": name})


def request_password_reset(email: str) -> None:
    """Queue a reset email; the worker sends it only if ``email`` has an account."""
    outbox.queue(AccountEmailKind.PASSWORD_RESET, normalize_email(email))


def forget_login_failures(user: User) -> None:
    """Clear the failed log-ins counted against ``user`` (after a reset by email)."""
    from axes.utils import reset

    reset(username=normalize_email(user.email))


@transaction.atomic
def sign_up_with_invitation(invitation: Invitation, password: str) -> Membership:
    """Create the invited person's account and join the inviting workspace (no new one)."""
    _check_open(invitation)
    user = _create_user(invitation.email, password)
    return accept_invitation(invitation, user)


@transaction.atomic
def create_workspace(name: str, owner: User) -> Workspace:
    name = clean_workspace_name(name)
    workspace = Workspace.objects.create(name=name, slug=unique_workspace_slug(name))
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


@transaction.atomic
def rename_workspace(workspace: Workspace, name: str, by: User) -> Workspace:
    """Change the display name; the slug stays so bookmarks and shared links keep working."""
    _require_owner(workspace, by)
    workspace.name = clean_workspace_name(name)
    workspace.save(update_fields=["name"])
    return workspace


# --- members ------------------------------------------------------------------


def add_member(workspace: Workspace, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": Role(role)}
    )
    return membership


@transaction.atomic
def change_role(membership: Membership, role: str, by: User) -> Membership:
    new_role = Role(role)
    _require_owner(membership.workspace, by)
    if membership.role == new_role:
        return membership
    if new_role != Role.OWNER:
        _check_not_last_owner(membership, "change their role")
    membership.role = new_role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(membership: Membership, by: User) -> None:
    if membership.user_id != by.pk:
        _require_owner(membership.workspace, by)
    _check_not_last_owner(membership, "remove them")
    membership.delete()


@transaction.atomic
def leave_workspace(membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.workspace) <= 1:
        raise LastOwner(
            f"You are the last owner of {membership.workspace.name}: "
            "make another member an owner before you leave."
        )
    membership.delete()


# --- invitations --------------------------------------------------------------


def open_invitation(workspace: Workspace, email: str) -> Invitation | None:
    return Invitation.objects.filter(
        workspace=workspace, email=normalize_email(email), accepted_at__isnull=True
    ).first()


def _send(invitation: Invitation) -> None:
    # Sent inside the caller's transaction: if the mail server refuses it, nothing is
    # recorded and the owner sees the error, instead of an invitation nobody received.
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at", "role", "invited_by"])
    emails.send_invitation(invitation)


@transaction.atomic
def invite_member(workspace: Workspace, email: str, role: str, invited_by: User) -> Invitation:
    """Email an invitation; an open one for the same address is updated and resent."""
    _require_owner(workspace, invited_by)
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise AccountsError(f"{email or 'That'} is not a valid email address.") from None
    if Membership.objects.filter(workspace=workspace, user__email=email).exists():
        raise AlreadyMember(f"{email} is already a member of {workspace.name}.")
    invitation = (
        Invitation.objects.select_for_update()
        .filter(workspace=workspace, email=email, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        invitation = Invitation.objects.create(
            workspace=workspace, email=email, role=Role(role), invited_by=invited_by
        )
    else:
        _check_cooldown(invitation)
        invitation.role = Role(role)
        invitation.invited_by = invited_by
    _send(invitation)
    return invitation


def _check_cooldown(invitation: Invitation) -> None:
    if timezone.now() - invitation.sent_at < RESEND_COOLDOWN:
        raise SentTooRecently(
            f"An invitation was just sent to {invitation.email}. "
            "Give it a minute before sending another one."
        )


@transaction.atomic
def resend_invitation(invitation: Invitation, by: User) -> Invitation:
    """Send the same link again and restart its expiry window."""
    _require_owner(invitation.workspace, by)
    if invitation.is_accepted():
        raise InvitationInvalid(f"{invitation.email} has already accepted this invitation.")
    _check_cooldown(invitation)
    _send(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, by: User) -> None:
    """Delete an open invitation: its link stops working at once."""
    _require_owner(invitation.workspace, by)
    if invitation.is_accepted():
        raise InvitationInvalid(f"{invitation.email} has already accepted this invitation.")
    invitation.delete()


def _check_open(invitation: Invitation) -> None:
    if invitation.is_accepted():
        raise InvitationInvalid("This invitation has already been used.")
    if invitation.is_expired():
        raise InvitationInvalid(
            "This invitation has expired. Ask the person who invited you to send a new one."
        )


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Make ``user`` a member with the invited role. Accepting twice is harmless."""
    locked = (
        Invitation.objects.select_for_update()
        .select_related("workspace")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise InvitationInvalid(REVOKED_MESSAGE)
    invitation = locked
    if normalize_email(user.email) != invitation.email:
        raise InvitationInvalid(
            f"This invitation is for {invitation.email}, but you are logged in as "
            f"{user.email}. Log out, then open the link again."
        )
    existing = Membership.objects.filter(workspace=invitation.workspace, user=user).first()
    if invitation.is_accepted():
        if existing is None:
            raise InvitationInvalid("This invitation has already been used.")
        return existing
    _check_open(invitation)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if existing is not None:
        # Joined some other way meanwhile: keep the role they have rather than changing it.
        return existing
    return Membership.objects.create(
        workspace=invitation.workspace, user=user, role=invitation.role
    )
