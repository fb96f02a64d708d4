"""API tokens (stored as a SHA-256 digest only) and the stored answers of idempotent POSTs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace


class ApiToken(models.Model):
    """A workspace's API token. The secret is shown once; only its digest is kept."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the secret, shown in the list so a token can be recognised.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    # Scope strings "<family>:read" / "<family>:write" (see ``tokens.FAMILIES``).
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created", "-pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        moment = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > moment


class IdempotentRequest(models.Model):
    """The answer given to a POST carrying ``Idempotency-Key``, replayed on a retry."""

    token = models.ForeignKey(ApiToken, models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_token_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"
