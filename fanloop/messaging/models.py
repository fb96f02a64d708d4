"""Email: templates with the artist's branding, the outbox, and the suppression list.

``OutboundMessage.key`` is the idempotency key of one send (for flows:
``journey:<id>:step:<index>``): the row is written before the message goes out, claimed
(SENDING) just before it is handed to the mail backend and marked after, so a retried step
never sends twice. A row a crash left SENDING is "in doubt" (UNCERTAIN): it may have left.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan
from fanloop.lib.timestamps import Timestamped
from fanloop.messaging.addresses import address_hash


class EmailTemplate(Timestamped):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="email_templates")
    artist = models.ForeignKey(
        Artist, models.CASCADE, null=True, blank=True, related_name="email_templates"
    )
    name = models.CharField(max_length=120)
    # Django template syntax; context: fan, artist, release, listen_links, save_url,
    # track_links (title, one-click track save link),
    # follow_url, unsubscribe_url, portal_url.
    subject = models.CharField(max_length=200)
    text_body = models.TextField(max_length=20000)
    html_body = models.TextField(max_length=50000, blank=True)  # blank: built from the text

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"  # being handed to the mail backend; the outcome not yet written
    SENT = "sent", "Sent"
    SUPPRESSED = "suppressed", "Not sent: suppressed or unsubscribed"
    CAPPED = "capped", "Not sent: frequency cap"
    NO_CONSENT = "no_consent", "Not sent: no email consent"
    DRY_RUN = "dry_run", "Not sent: dry run"
    FAILED = "failed", "Failed"
    # A send interrupted (the worker died) after the message was handed over, before its
    # outcome was written: it may or may not have left. Retried only with a mail backend
    # that takes an idempotency key (the provider drops a second copy).
    UNCERTAIN = "uncertain", "In doubt: may have been sent"


class OutboundMessage(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, models.CASCADE, null=True, blank=True, related_name="messages")
    template = models.ForeignKey(
        EmailTemplate, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    release = models.ForeignKey(Release, models.SET_NULL, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    message_id = models.CharField(max_length=300, blank=True)  # the Message-ID header
    # The provider's id of the message (django-anymail), to match its webhooks.
    esp_message_id = models.CharField(max_length=300, blank=True, db_index=True)
    status = models.CharField(
        max_length=12, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    detail = models.CharField(max_length=300, blank=True)
    is_test = models.BooleanField(default=False)
    # PENDING after a deferral (quiet hours, frequency cap, the mail server unavailable):
    # the sender retries then.
    retry_at = models.DateTimeField(null=True, blank=True)
    # Sends stopped by a temporary error (the mail server down, a 4xx reply): the backoff.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the row was last claimed (SENDING): how old an in-doubt send is.
    sending_since = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["fan", "status", "sent_at"], name="message_fan_sent"),
            models.Index(fields=["workspace", "created"], name="message_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}: {self.status}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Hard bounce"
    COMPLAINED = "complained", "Spam complaint"
    MANUAL = "manual", "Added by a member"


class Suppression(models.Model):
    """An address the workspace must not email, found by its keyed hash (``addresses``);
    ``email`` is kept for display only, and blanked when the fan is erased."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="suppressions")
    email = models.EmailField(blank=True)
    email_hash = models.CharField(max_length=64)
    reason = models.CharField(max_length=14, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email_hash"], name="one_suppression_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email or 'erased address'} ({self.reason})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.email:  # an erased row keeps the hash it has
            self.email_hash = address_hash(self.email)
        super().save(*args, **kwargs)


class MailboxEntry(models.Model):
    """An email sent on a workspace's behalf outside the outbox (a fan's confirmation
    link, portal link or in-app link), by its random Message-ID: what the demo mailbox
    matches a received message against. Kept only while ``SMTP_SINK_DIR`` is set."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=300)
    kind = models.CharField(max_length=40)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "message_id"], name="mailbox_ws_message_id")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class SendingRules(models.Model):
    """A workspace's own frequency cap and quiet hours for flow emails, set by an owner or
    editor in the dashboard. A workspace without a row follows the defaults in
    ``fanloop.messaging.sending_rules`` (``DEFAULT_CAP``, ``DEFAULT_WINDOW_HOURS``,
    ``DEFAULT_QUIET_HOURS``); the field defaults are the same values."""

    workspace = models.OneToOneField(
        Workspace, models.CASCADE, primary_key=True, related_name="sending_rules"
    )
    frequency_cap = models.PositiveSmallIntegerField(default=3)  # 0: no cap
    frequency_window_hours = models.PositiveSmallIntegerField(default=72)
    # Both set: no flow email between them in the fan's time zone; both null: no quiet hours.
    quiet_start = models.TimeField(null=True, blank=True, default=dt.time(21, 0))
    quiet_end = models.TimeField(null=True, blank=True, default=dt.time(9, 0))
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sending rules"

    def __str__(self) -> str:
        return f"sending rules of workspace {self.workspace_id}"
