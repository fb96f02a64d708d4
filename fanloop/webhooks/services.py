"""The writes of event webhooks: subscriptions (create, update, rotate, enable, delete),
deliveries (one row per subscription and event), attempts and replays.

Every attempt of a delivery carries the same ``webhook-id`` (``msg_id``): receivers
de-duplicate by it, since a delivery is attempted at least once (a worker killed after the
call and before recording it calls again). Deliveries are not ordered, not even per
subscription: each is attempted on its own schedule.

Retries: after a failed attempt the next one waits ``RETRY_BASE_SECONDS`` doubled per
attempt, at most ``RETRY_MAX_SECONDS``, times a random factor (jitter); a delivery still
failing ``GIVE_UP_AFTER`` after it was created is given up (FAILED). A subscription whose
attempts have all failed for ``DISABLE_AFTER`` is disabled and its owners are emailed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets as secrets_module
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from fanloop.accounts import outbox
from fanloop.accounts.models import AccountEmailKind, Membership, Role, User, Workspace
from fanloop.lib import webhook_sender
from fanloop.webhooks.events import envelope, event_types
from fanloop.webhooks.models import (
    OPEN_STATUSES,
    DeliveryStatus,
    Subscription,
    WebhookDelivery,
)

# Subscriptions per workspace. Not measured; chosen far above an integration's needs and
# low enough that one event's fan-out stays a handful of rows.
MAX_SUBSCRIPTIONS = 20
URL_MAX_LENGTH = 500
DESCRIPTION_MAX_LENGTH = 100
# The first retry waits this long, each next one twice as long (seconds). With the cap
# below, about a dozen attempts fit in GIVE_UP_AFTER.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 4 * 3600
# Each wait is multiplied by a random factor in [1 - JITTER, 1 + JITTER], so receivers
# that were down together are not all retried in the same second.
JITTER = 0.2
GIVE_UP_AFTER = dt.timedelta(hours=24)
DISABLE_AFTER = dt.timedelta(hours=24)
# How long the previous secret keeps signing after a rotation (both signatures are sent).
ROTATION_WINDOW = dt.timedelta(hours=24)
EXCERPT_CHARS = webhook_sender.EXCERPT_CHARS
# Finished deliveries (succeeded or given up) are deleted after this many days. Not
# measured; chosen to cover a month of investigating a receiver's problems.
DELIVERY_LOG_DAYS = 30


# --- subscriptions -------------------------------------------------------------------------


def _clean(
    url: str, event_types_: Iterable[str], description: str
) -> tuple[str, list[str], str, dict[str, str]]:
    url = (url or "").strip()
    description = (description or "").strip()
    chosen = sorted(set(event_types_))
    errors: dict[str, str] = {}
    if not url:
        errors["url"] = "Give the URL that receives the events."
    elif len(url) > URL_MAX_LENGTH:
        errors["url"] = f"The URL is too long: at most {URL_MAX_LENGTH} characters."
    else:
        try:
            webhook_sender.check_url_shape(url)
        except webhook_sender.UnsafeWebhookUrl as exc:
            errors["url"] = f"This URL cannot receive webhooks: {exc}."
    known = event_types()
    if not chosen:
        errors["event_types"] = "Choose at least one event type."
    elif set(chosen) - set(known):
        errors["event_types"] = (
            f"Unknown event types: {', '.join(sorted(set(chosen) - set(known)))}."
        )
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = (
            f"The description is too long: at most {DESCRIPTION_MAX_LENGTH} characters."
        )
    return url, chosen, description, errors


@dataclass(frozen=True)
class NewSecret:
    subscription: Subscription
    secret: str  # shown once


@transaction.atomic
def create_subscription(
    workspace: Workspace,
    *,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    created_by: User | None = None,
) -> NewSecret:
    url, chosen, description, errors = _clean(url, event_types, description)
    # Locks the workspace row: two creations at once cannot both pass the limit.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    if Subscription.objects.filter(workspace=workspace).count() >= MAX_SUBSCRIPTIONS:
        errors.setdefault("url", f"A workspace has at most {MAX_SUBSCRIPTIONS} webhooks.")
    if errors:
        raise ValidationError(errors)
    secret = webhook_sender.new_secret()
    subscription = Subscription.objects.create(
        workspace=workspace,
        url=url,
        description=description,
        event_types=chosen,
        secret=secret,
        created_by=created_by,
    )
    return NewSecret(subscription, secret)


@transaction.atomic
def update_subscription(
    subscription: Subscription, *, url: str, event_types: Iterable[str], description: str = ""
) -> Subscription:
    url, chosen, description, errors = _clean(url, event_types, description)
    if errors:
        raise ValidationError(errors)
    subscription.url, subscription.event_types = url, chosen
    subscription.description, subscription.updated = description, timezone.now()
    subscription.save(update_fields=["url", "event_types", "description", "updated"])
    return subscription


@transaction.atomic
def rotate_secret(subscription: Subscription, now: dt.datetime | None = None) -> NewSecret:
    """A new secret; the current one keeps signing (a second signature) for
    ``ROTATION_WINDOW`` so receivers can switch without losing an event."""
    now = now or timezone.now()
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    secret = webhook_sender.new_secret()
    subscription.previous_secret = subscription.secret
    subscription.previous_valid_until = now + ROTATION_WINDOW
    subscription.secret = secret
    subscription.updated = now
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_valid_until", "updated"]
    )
    return NewSecret(subscription, secret)


def signing_secrets(subscription: Subscription, now: dt.datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during rotation."""
    valid = [subscription.secret]
    until = subscription.previous_valid_until
    if subscription.previous_secret and until is not None and until > now:
        valid.append(subscription.previous_secret)
    return valid


def set_enabled(subscription: Subscription, enabled: bool) -> Subscription:
    """Enable (the failure clock starts again) or disable a subscription."""
    now = timezone.now()
    Subscription.objects.filter(pk=subscription.pk).update(
        enabled=enabled, disabled_reason="", failing_since=None, updated=now
    )
    subscription.refresh_from_db()
    return subscription


def delete_subscription(subscription: Subscription) -> None:
    """The subscription and its delivery log."""
    subscription.delete()


# --- recording events ----------------------------------------------------------------------


def _msg_id() -> str:
    return "msg_" + secrets_module.token_urlsafe(18)


def record_event(
    workspace_id: int,
    event_type: str,
    *,
    key: str,
    data: dict[str, Any],
    at: dt.datetime,
    since: dt.datetime | None = None,
    fan_id: int | None = None,
    subscriptions: Iterable[Subscription] | None = None,
) -> int:
    """One delivery per enabled subscription of the workspace that chose ``event_type``
    (and, with ``since``, existed when the event happened). Same key twice: no new row.
    ``subscriptions``: the workspace's enabled ones, when the caller has them already.
    Returns the rows made."""
    made = 0
    if subscriptions is None:
        subscriptions = Subscription.objects.filter(workspace_id=workspace_id, enabled=True)
    for subscription in subscriptions:
        if event_type not in subscription.event_types:
            continue
        if since is not None and subscription.created > since:
            continue
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    subscription=subscription,
                    event_type=event_type,
                    fan_id=fan_id,
                    event_key=key[:200],
                    msg_id=_msg_id(),
                    payload=envelope(event_type, at, data),
                    next_attempt_at=at,
                    give_up_at=at + GIVE_UP_AFTER,
                )
        except IntegrityError:
            continue  # recorded before
        made += 1
    return made


# --- attempts ------------------------------------------------------------------------------


def retry_delay(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: exponential, capped, jittered."""
    base = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    factor = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return dt.timedelta(seconds=base * factor)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def due(now: dt.datetime, limit: int = 100) -> list[tuple[int, int]]:
    """(delivery id, attempts so far) of deliveries due now, of enabled subscriptions."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=OPEN_STATUSES, next_attempt_at__lte=now, subscription__enabled=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts")[:limit]
    )


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    status: str
    detail: str
    disabled: bool = False


def attempt(delivery_id: int, attempts_before: int, now: dt.datetime | None = None) -> Attempt:
    """Attempt the delivery once, unless that attempt was made already (``attempts``
    moved past ``attempts_before``), and record its outcome."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        return Attempt(delivery_id, "gone", "deleted")
    subscription = delivery.subscription
    if delivery.attempts != attempts_before or delivery.status not in OPEN_STATUSES:
        return Attempt(delivery_id, delivery.status, "attempted already")
    if not subscription.enabled:
        return Attempt(delivery_id, delivery.status, "subscription disabled")
    body = body_of(delivery)
    headers = webhook_sender.standard_headers(
        delivery.msg_id, body, signing_secrets(subscription, now), int(now.timestamp())
    )
    result = webhook_sender.post(subscription.url, body, headers)
    return _record(delivery, attempts_before, result, now)


def _record(
    delivery: WebhookDelivery,
    attempts_before: int,
    result: webhook_sender.SendResult,
    now: dt.datetime,
) -> Attempt:
    attempts = attempts_before + 1
    give_up_at = delivery.give_up_at or delivery.created + GIVE_UP_AFTER
    retry_at = now + retry_delay(attempts)
    if result.ok:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    elif retry_at >= give_up_at:
        status, next_at = DeliveryStatus.FAILED, None
    else:
        status, next_at = DeliveryStatus.RETRYING, retry_at
    disabled = False
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(pk=delivery.pk, attempts=attempts_before).update(
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            last_attempt_at=now,
            response_code=result.status_code,
            latency_ms=result.latency_ms,
            body_excerpt=result.body_excerpt[:EXCERPT_CHARS],
            last_error="" if result.ok else result.detail[:200],
        )
        if not updated:
            return Attempt(delivery.pk, "lost", "recorded by another attempt")
        subscription = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
        if result.ok:
            if subscription.failing_since is not None:
                Subscription.objects.filter(pk=subscription.pk).update(failing_since=None)
        elif subscription.failing_since is None:
            Subscription.objects.filter(pk=subscription.pk).update(failing_since=now)
        elif subscription.enabled and now - subscription.failing_since >= DISABLE_AFTER:
            disable_failing(subscription, now)
            disabled = True
    return Attempt(delivery.pk, status, result.detail, disabled)


def disable_failing(subscription: Subscription, now: dt.datetime) -> None:
    """Disable a subscription failing for ``DISABLE_AFTER`` and email its owners (the
    account email outbox, sent by the worker)."""
    hours = int(DISABLE_AFTER.total_seconds() // 3600)
    Subscription.objects.filter(pk=subscription.pk).update(
        enabled=False,
        disabled_reason=f"Every call failed for {hours} hours.",
        updated=now,
    )
    owners = Membership.objects.filter(
        workspace_id=subscription.workspace_id, role=Role.OWNER
    ).select_related("user", "workspace")
    for membership in owners:
        outbox.queue(
            AccountEmailKind.WEBHOOK_DISABLED,
            membership.user.email,
            {
                "workspace_name": membership.workspace.name,
                "workspace_slug": membership.workspace.slug,
                "subscription_id": str(subscription.pk),
                "url": subscription.url,
                "hours": str(hours),
                "path": reverse(
                    "webhooks:detail",
                    kwargs={"ws": membership.workspace.slug, "pk": subscription.pk},
                ),
            },
        )


def send_due(now: dt.datetime | None = None, limit: int = 100) -> list[Attempt]:
    """Attempt every due delivery in this thread (tests and the command line; the worker
    runs each attempt as a DBOS workflow, ``workflows.py``)."""
    now = now or timezone.now()
    return [attempt(pk, attempts, now) for pk, attempts in due(now, limit)]


def replay(delivery: WebhookDelivery, now: dt.datetime | None = None) -> WebhookDelivery:
    """Attempt the delivery again soon, with the same ``webhook-id``, whatever its status;
    the day before giving up starts again."""
    now = now or timezone.now()
    if not delivery.subscription.enabled:
        raise ValidationError("Enable the webhook before replaying its deliveries.")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, give_up_at=now + GIVE_UP_AFTER
    )
    delivery.refresh_from_db()
    return delivery


def prune_log(now: dt.datetime | None = None) -> int:
    """Delete finished deliveries older than ``DELIVERY_LOG_DAYS``; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=DELIVERY_LOG_DAYS)
    old = WebhookDelivery.objects.filter(created__lt=cutoff).exclude(status__in=OPEN_STATUSES)
    return int(old.delete()[0])
