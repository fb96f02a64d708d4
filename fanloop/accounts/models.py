"""Users, workspaces, memberships with roles, and invitations."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in to the dashboard; identified by email."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# Roles ordered by power; a role can do everything the roles after it can.
ROLE_RANK = {Role.OWNER: 3, Role.EDITOR: 2, Role.VIEWER: 1}


class Workspace(models.Model):
    """A team (an artist, a manager, a label): owns artists, releases and fans."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    def can(self, role: str) -> bool:
        """True when this member's role is at least ``role``."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def can_edit(self) -> bool:
        """Editors and owners change a workspace's content; viewers only look."""
        return self.can(Role.EDITOR)


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    # Expiry counts from the latest send, so "resend" gives the invitee a fresh window.
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"

    @property
    def expires_at(self) -> dt.datetime:
        return self.sent_at + dt.timedelta(days=settings.INVITATION_TTL_DAYS)

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    def url(self) -> str:
        """The absolute link sent by email; SITE_URL, never the request's Host header."""
        return settings.SITE_URL + reverse("accounts:accept_invitation", args=[self.token])


class ThrottleHit(models.Model):
    """One counted attempt (a reset request, a bad invitation link) by a hashed key.

    In the database so every web process sees the same counts; rows older than the
    window are deleted as new ones arrive.
    """

    scope = models.CharField(max_length=30)
    key = models.CharField(max_length=64)  # HMAC of the address or email, never the value
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="throttle_scope_key_at"),
            models.Index(fields=["at"], name="throttle_at"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M:%S}"


class AccountEmailKind(models.TextChoices):
    PASSWORD_RESET = "password_reset", "Password reset"
    SIGNUP = "signup", "Sign-up"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook disabled"


class AccountEmail(models.Model):
    """An account email a worker sends after the request that asked for it has answered.

    The request only writes this row, the same one whether or not the address has an
    account, so neither the answer nor its timing tells anyone which addresses do. Links
    and tokens are made when the worker sends, so none is stored here.
    """

    kind = models.CharField(max_length=20, choices=AccountEmailKind.choices)
    to = models.EmailField()
    data = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created"], name="account_email_due")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"
