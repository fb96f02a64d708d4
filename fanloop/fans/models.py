"""Fans, their platform connections (tokens encrypted), consents, pre-saves and opt-ins.

One fan per workspace and person. Consents are an append-only log: each row records the
exact wording shown, its version, the page and the time; the latest row per kind wins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.lib.crypto import EncryptedTextField
from fanloop.lib.timestamps import Timestamped
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import refresh_token_lifetimes


class Fan(Timestamped):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="fans")
    email = models.EmailField(blank=True)  # normalized lower-case; blank = unknown
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # The consent kinds the fan is active for with the workspace or at least one of its
    # artists, by the one rule (``fans/consents.py``), space-separated with a space on each
    # side (" email verify "; "" for none): rewritten by ``consents.refresh_consented`` in
    # the transaction of every change to the fan's consent log, read by segments.
    consented = models.CharField(
        max_length=100, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=~models.Q(email=""),
                name="one_fan_per_email_per_workspace",
            )
        ]
        indexes = [models.Index(fields=["workspace", "created"])]

    def __str__(self) -> str:
        return self.email or self.display_name or f"fan {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``consented`` is written by the consent log alone: a fan read before a consent
        # was recorded must not write its old value back with a plain ``save()``.
        plain = not (self._state.adding or args or kwargs.get("force_insert"))
        if plain and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "consented"
            ]
        super().save(*args, **kwargs)


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"


class PlatformConnection(Timestamped):
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="connections")
    app = models.ForeignKey(PlatformApp, models.PROTECT, related_name="connections")
    platform = models.CharField(max_length=20)
    # Apple exposes no user id: None there, the connection is keyed by fan.
    # NULL, not "": the partial unique constraint below must skip Apple rows.
    platform_user_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    display_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    scopes = models.TextField(blank=True)  # space-separated, as granted
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # The original authorization: refresh tokens die 6 months after it, refreshing or not.
    authorized_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fan", "platform"], name="one_connection_per_platform"),
            models.UniqueConstraint(
                fields=["app", "platform_user_id"],
                condition=models.Q(platform_user_id__isnull=False),
                name="one_connection_per_platform_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} connection of {self.fan}"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def refresh_token_expires_at(self) -> dt.datetime | None:
        """When the refresh token stops working, on a platform where it expires on a
        schedule (Spotify's: six months after the authorization)."""
        lifetime = refresh_token_lifetimes().get(self.platform)
        return None if lifetime is None else self.authorized_at + lifetime


class ConsentKind(models.TextChoices):
    EMAIL = "email", "Emails from the artist"
    FOLLOW = "follow", "Follow the artist"
    FOREVER_SAVE = "forever_save", "Save this artist's future releases"
    VERIFY = "verify", "Check that saves and follows are kept"


class Consent(models.Model):
    """One consent decision, with exactly what the fan saw. Append-only."""

    fan = models.ForeignKey(Fan, models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField()
    artist = models.ForeignKey(Artist, models.CASCADE, null=True, blank=True, related_name="+")
    wording_version = models.CharField(max_length=20)
    wording = models.TextField()
    page = models.CharField(max_length=300, blank=True)
    # Email consents stay pending until the double opt-in link is followed.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The consent rule's lookups (``fans/consents.py``): a fan's rows of a kind, and
            # whether a later one follows, answered from the index alone (the columns the
            # rule tests are keys, not INCLUDE columns, which SQLite would ignore).
            models.Index(
                fields=["fan", "kind", "id", "artist", "granted", "confirmed_at"],
                name="consent_fan_kind_latest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}={'yes' if self.granted else 'no'} for {self.fan}"


class PreSave(Timestamped):
    """One pre-save per release, fan and platform; re-pre-saving updates it."""

    EMAIL_ONLY = "email"  # platform value of a "notify me by email" pre-save

    release = models.ForeignKey(Release, models.CASCADE, related_name="presaves")
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="presaves")
    platform = models.CharField(max_length=20)
    # An email pre-save ("email" above): the platform the fan chose to open it in on release
    # day ("" = none chosen); their release-day email leads with its link.
    chosen_platform = models.CharField(max_length=20, blank=True)
    connection = models.ForeignKey(
        PlatformConnection, models.SET_NULL, null=True, blank=True, related_name="presaves"
    )
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    referrer_host = models.CharField(max_length=255, blank=True)
    landing_page = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # The event log's visitor id of the visit that led here (a daily-salted hash, no
    # cookie): joins the visit's page events to this pre-save in the funnel.
    visitor_id = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "fan", "platform"], name="one_presave_per_platform"
            )
        ]
        indexes = [models.Index(fields=["release", "platform", "created"])]

    def __str__(self) -> str:
        return f"{self.fan} pre-saved {self.release} on {self.platform}"
