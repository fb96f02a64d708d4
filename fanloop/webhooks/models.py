"""Event webhook subscriptions of a workspace, their deliveries, and the fan event cursor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.lib.crypto import EncryptedTextField


class Subscription(models.Model):
    """A URL that receives the workspace's events of the chosen types, signed with a secret
    (Standard Webhooks). During a rotation the previous secret signs too, until
    ``previous_valid_until``."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=100, blank=True)
    event_types = models.JSONField(default=list)
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failed attempt since the last success: failing for a day disables it.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created", "-pk")
        indexes = [models.Index(fields=["workspace", "enabled"], name="webhooksub_ws_enabled")]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookDelivery(models.Model):
    """One event for one subscription: attempted until it succeeds or is a day old. The
    ``msg_id`` (``webhook-id``) is the same on every attempt and replay."""

    subscription = models.ForeignKey(Subscription, models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40)
    # The fan a fan event is about: deleting the fan deletes these rows (their payloads
    # hold the fan's address); a merge moves them (``fan_data.py``).
    fan = models.ForeignKey(
        "fans.Fan", models.CASCADE, null=True, blank=True, related_name="webhook_deliveries"
    )
    event_key = models.CharField(max_length=200)
    msg_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    body_excerpt = models.TextField(blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # Failed attempts are retried until then (a replay sets it a day ahead again).
    give_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key"], name="webhookdelivery_sub_event"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.subscription_id}"


class EventCursor(models.Model):
    """How far the fan event log has been read for webhooks (the last ``FanEvent`` id)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_id}"
