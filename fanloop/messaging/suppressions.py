"""Unsubscribes and the suppression list: a fan's unsubscribe link, a member's manual
entries, and the bounces, complaints and unsubscribes an email provider reports."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.fans.consent_log import revoke_consent
from fanloop.fans.identity import normalize_email
from fanloop.fans.models import ConsentKind, Fan
from fanloop.messaging.addresses import address_hashes
from fanloop.messaging.models import (
    OutboundMessage,
    Suppression,
    SuppressionReason,
)

__all__ = [
    "add_suppression",
    "forget_suppressed_address",
    "remove_suppression",
    "suppress_from_provider",
    "unsubscribe",
]


def _suppress(
    workspace_id: int, email: str, reason: SuppressionReason, detail: str = ""
) -> tuple[Suppression, bool]:
    """Add the address's suppression; (row, created). An existing unsubscribe becomes a
    bounce or complaint (which a later opt-in does not lift); otherwise the first stays.
    Found by the address's hash; a row hashed under a former key is re-keyed."""
    current, *former = address_hashes(email)
    rows = Suppression.objects.select_for_update()
    with transaction.atomic():
        if former:
            rows.filter(workspace_id=workspace_id, email_hash__in=former).update(email_hash=current)
        row, created = rows.get_or_create(
            workspace_id=workspace_id,
            email_hash=current,
            defaults={"email": email, "reason": reason, "detail": detail[:300]},
        )
        if (
            not created
            and row.reason == SuppressionReason.UNSUBSCRIBED
            and reason not in (SuppressionReason.UNSUBSCRIBED, SuppressionReason.MANUAL)
        ):
            row.reason, row.detail = reason, detail[:300]
            row.save(update_fields=["reason", "detail"])
    return row, created


def unsubscribe(fan: Fan, *, message: OutboundMessage | None = None, page: str = "") -> Suppression:
    """The fan asked for no more email: suppress the address, withdraw every email
    consent and record UNSUBSCRIBED (the flow engine stops the fan's journeys on it).
    Asking twice records it once; unsubscribing again after a new opt-in records it again."""
    detail = f"Unsubscribe link in message {message.pk}" if message else "Unsubscribe link"
    with transaction.atomic():
        suppression, created = _suppress(
            fan.workspace_id, fan.email, SuppressionReason.UNSUBSCRIBED, detail
        )
        withdrawn = revoke_consent(fan, ConsentKind.EMAIL, page or "unsubscribe link")
        if not created and not withdrawn:
            return suppression  # nothing new: already unsubscribed
        if not created and suppression.reason == SuppressionReason.UNSUBSCRIBED:
            # A new unsubscribe after an opt-in that had lifted the old one.
            suppression.created, suppression.detail = timezone.now(), detail
            suppression.save(update_fields=["created", "detail"])
        record_fan_event(
            fan,
            FanEventKind.UNSUBSCRIBED,
            key=f"unsubscribe:{suppression.pk}:{suppression.created.timestamp()}",
            actor=Actor.FAN,
            release=message.release if message else None,
            data={"message": message.pk} if message else {},
        )
    return suppression


def add_suppression(workspace: Workspace, email: str, *, detail: str = "") -> Suppression:
    """A member adds an address by hand; ValidationError if it is invalid or already listed."""
    address = normalize_email(email)
    hashes = address_hashes(address)
    if Suppression.objects.filter(workspace=workspace, email_hash__in=hashes).exists():
        raise ValidationError(f"{address} is already on the suppression list.")
    row, _ = _suppress(workspace.pk, address, SuppressionReason.MANUAL, detail)
    return row


def forget_suppressed_address(workspace_id: int, email: str) -> None:
    """The fan with this address is erased: its suppression stays (found by the hash),
    the address (and a provider's note that names it) goes."""
    address = email.strip().lower()
    rows = Suppression.objects.filter(
        workspace_id=workspace_id, email_hash__in=address_hashes(address)
    )
    for row in rows:
        row.email = ""
        if address in row.detail.lower():
            row.detail = ""
        row.save(update_fields=["email", "detail"])


def remove_suppression(suppression: Suppression) -> None:
    """Remove an address: it can be emailed again if the fan's consent is still active."""
    suppression.delete()


def suppress_from_provider(
    *,
    event_type: str,
    recipient: str,
    message_pk: int | None,
    esp_message_id: str,
    description: str,
    event_id: str,
) -> list[Suppression]:
    """A bounce, complaint, rejection or provider-side unsubscribe reported by the
    provider: suppress the address where it was sent from (every workspace having a fan
    with the address, when the message is unknown) and record the fan event."""
    reason, kind = {
        "bounced": (SuppressionReason.BOUNCED, FanEventKind.EMAIL_BOUNCED),
        "rejected": (SuppressionReason.BOUNCED, FanEventKind.EMAIL_BOUNCED),
        "complained": (SuppressionReason.COMPLAINED, FanEventKind.EMAIL_COMPLAINED),
        "unsubscribed": (SuppressionReason.UNSUBSCRIBED, FanEventKind.UNSUBSCRIBED),
    }[event_type]
    address = normalize_email(recipient) if recipient else ""
    message = None
    if message_pk is not None:
        message = OutboundMessage.objects.filter(pk=message_pk).select_related("fan").first()
    if message is None and esp_message_id:
        message = (
            OutboundMessage.objects.filter(esp_message_id=esp_message_id)
            .select_related("fan")
            .first()
        )
    address = address or (message.to if message else "")
    if not address:
        return []
    if message is not None:
        targets = [(message.workspace_id, message.fan)]
    else:
        targets = [(f.workspace_id, f) for f in Fan.objects.filter(email=address)]
    rows: list[Suppression] = []
    detail = f"{event_type}: {description}".strip(": ")
    for workspace_id, fan in targets:
        row, _ = _suppress(workspace_id, address, reason, detail)
        rows.append(row)
        if fan is None:
            continue
        if kind == FanEventKind.UNSUBSCRIBED:
            revoke_consent(fan, ConsentKind.EMAIL, "email provider unsubscribe")
        record_fan_event(
            fan,
            kind,
            key=f"provider:{event_type}:{event_id or esp_message_id}:{fan.pk}",
            # A bounce is the outcome of fanloop's send; a complaint or unsubscribe the fan's.
            actor=Actor.FANLOOP if kind == FanEventKind.EMAIL_BOUNCED else Actor.FAN,
            release=message.release if message else None,
            data={"message": message.pk if message else None, "detail": description[:300]},
        )
    if message is not None:
        OutboundMessage.objects.filter(pk=message.pk).update(detail=detail[:300])
    return rows
