"""Sending flow emails, and the writes around them: unsubscribes, suppressions, tracking.

``send_email`` is the one way a fan gets a flow email. It checks, in order: an address,
the suppression list, the fan's email consent (confirmed under double opt-in), the dry
run, quiet hours in the fan's time zone and the frequency cap; then it commits the outbox
row as SENDING (inserting it, for a new key), renders the template, sends through Django's
email framework and commits the row SENT (with its EMAIL_SENT fan event) or FAILED: two
commits per message. The row's unique ``key`` makes it at-most-once: the same key again
returns the recorded outcome, and a row a crash left in SENDING becomes UNCERTAIN and is
never sent again. Deferrals (quiet hours, cap) leave the row PENDING with ``retry_at``:
the caller calls again then, with the same key.

Call it outside a database transaction: the SENDING row must be committed before the
message leaves, or a crash would roll it back and the retry would send a second time.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.crypto import salted_hmac

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import NewFanEvent, record_fan_event, record_fan_events
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Consent, ConsentKind, Fan
from fanloop.fans.services import (
    consent_is_active,
    normalize_email,
    revoke_consent,
)
from fanloop.lib.markets import MARKET_TIME_ZONES
from fanloop.messaging import rendering, tokens
from fanloop.messaging.models import (
    EmailTemplate,
    MessageStatus,
    OutboundMessage,
    Suppression,
    SuppressionReason,
)

__all__ = [
    "FINAL_STATUSES",
    "SendOutcome",
    "add_suppression",
    "delete_template",
    "fan_time_zone",
    "quiet_hours_end",
    "record_click",
    "record_open",
    "remove_suppression",
    "save_template",
    "send_email",
    "send_test_email",
    "suppress_from_provider",
    "templates_in_use",
    "unsubscribe",
]

log = logging.getLogger(__name__)
_Row = TypeVar("_Row", bound=Model)

FINAL_STATUSES = frozenset(
    {
        MessageStatus.SENT,
        MessageStatus.SUPPRESSED,
        MessageStatus.NO_CONSENT,
        MessageStatus.DRY_RUN,
        MessageStatus.FAILED,
        MessageStatus.UNCERTAIN,
    }
)
MAX_KEY_LENGTH = 200
# Test sends a member may make per hour (they go to the member's own address).
TEST_SENDS_PER_HOUR = 10


@dataclass(frozen=True)
class SendOutcome:
    """What ``send_email`` did. ``retry_at``: deferred, call again then with the same key."""

    status: MessageStatus
    message: OutboundMessage | None
    retry_at: dt.datetime | None = None


# --- time zones and quiet hours -----------------------------------------------------


def fan_time_zone(fan: Fan) -> ZoneInfo:
    """The fan's time zone: their country's (``MARKET_TIME_ZONES``), else ``TIME_ZONE``."""
    zone = MARKET_TIME_ZONES.get((fan.country or "").upper())
    try:
        return ZoneInfo(zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _parse_quiet_hours(value: str) -> tuple[dt.time, dt.time] | None:
    """``"21:00-09:00"`` → (start, end); blank → None. Bad values raise ValueError."""
    value = value.strip()
    if not value:
        return None
    try:
        start_text, end_text = value.split("-")
        start = dt.time.fromisoformat(start_text.strip())
        end = dt.time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"EMAIL_QUIET_HOURS must look like 21:00-09:00, not {value!r}") from None
    if start == end:
        return None
    return start, end


def quiet_hours_end(fan: Fan, now: dt.datetime) -> dt.datetime | None:
    """When the quiet hours the fan is in right now end (an aware UTC time), else None."""
    window = _parse_quiet_hours(settings.EMAIL_QUIET_HOURS)
    if window is None:
        return None
    start, end = window
    zone = fan_time_zone(fan)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    # Through UTC, so a DST change between now and then is counted once and correctly.
    return dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)


def _cap_reopens_at(fan: Fan, now: dt.datetime) -> dt.datetime | None:
    """When the frequency cap lets the fan get one more email; None when under the cap."""
    cap = settings.EMAIL_FREQUENCY_CAP
    if cap <= 0:
        return None
    window = dt.timedelta(hours=settings.EMAIL_FREQUENCY_WINDOW_HOURS)
    sent = list(
        OutboundMessage.objects.filter(
            fan=fan, status=MessageStatus.SENT, is_test=False, sent_at__gt=now - window
        )
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)[:cap]
    )
    if len(sent) < cap:
        return None
    oldest = sent[-1]
    assert oldest is not None  # filtered on sent_at
    return oldest + window


# --- sending ---------------------------------------------------------------------------


def _sender(artist: Artist | None, workspace: Workspace) -> str:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((artist.name if artist else workspace.name, address))


def _message_id(key: str) -> str:
    """The Message-ID header, the same for the same key (and install)."""
    digest = salted_hmac("fanloop.messaging.message-id", key, algorithm="sha256").hexdigest()
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{digest[:40]}@{domain}>"


def _list_unsubscribe(url: str, token: str) -> str:
    values = [f"<{url}>"]
    mailto = settings.EMAIL_UNSUBSCRIBE_MAILTO
    if mailto:
        values.append(f"<mailto:{mailto}?subject={quote('unsubscribe ' + token)}>")
    return ", ".join(values)


def _assign(message: OutboundMessage, values: dict[str, Any]) -> OutboundMessage:
    """Mirror an ``update()`` already written to the row on the instance."""
    for name, value in values.items():
        setattr(message, name, value)
    return message


def _final(message: OutboundMessage) -> SendOutcome:
    return SendOutcome(MessageStatus(message.status), message)


def _finish(
    message: OutboundMessage, status: MessageStatus, detail: str = "", *, retry_at: Any = None
) -> SendOutcome:
    message.status, message.detail, message.retry_at = status, detail[:300], retry_at
    message.save(update_fields=["status", "detail", "retry_at"])
    return SendOutcome(status, message, retry_at)


@dataclass(frozen=True)
class _Send:
    """The arguments of one ``send_email`` call."""

    fan: Fan
    template: EmailTemplate
    key: str
    release: Release | None
    extra_context: dict[str, Any] | None
    dry_run: bool
    connection: BaseEmailBackend | None
    now: dt.datetime

    @property
    def artist(self) -> Artist | None:
        return self.template.artist or (self.release.artist if self.release is not None else None)


def _insert(send: _Send, **values: Any) -> OutboundMessage | None:
    """Write the key's outbox row with ``values`` (one commit); None when a concurrent
    call wrote it first."""
    fan = send.fan
    row = {
        "workspace_id": fan.workspace_id,
        "fan": fan,
        "template": send.template,
        "release": send.release,
        "key": send.key,
        "to": fan.email,
        "subject": send.template.name[:300],
        "message_id": _message_id(send.key),
        "created": send.now,
    }
    message = OutboundMessage(**{**row, **values})
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return None
    return message


def _record(
    send: _Send,
    message: OutboundMessage | None,
    status: MessageStatus,
    detail: str,
    *,
    retry_at: dt.datetime | None = None,
) -> SendOutcome | None:
    """An outcome decided without sending, written to the row (inserted with it when the
    key has none yet); None when a concurrent call inserted the row first."""
    if message is not None:
        return _finish(message, status, detail, retry_at=retry_at)
    message = _insert(send, status=status, detail=detail[:300], retry_at=retry_at)
    return None if message is None else SendOutcome(status, message, retry_at)


def _first(model: type[_Row], where: str, params: list[Any], order: str = "") -> _Row | None:
    """The first row of ``SELECT * FROM <model's table> WHERE <where> <order>``.

    The send path's two reads per message, written out: compiling the same query through
    the ORM costs several times running it. Fields are converted as the ORM does."""
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT * FROM {table} WHERE {where} {order} LIMIT 1"  # noqa: S608 - constant parts
    rows = model._default_manager.raw(sql, params)
    return next(iter(rows), None)


def _suppressed(fan: Fan, consent_at: dt.datetime | None) -> Suppression | None:
    where = '"workspace_id" = %s AND "email" = %s'
    suppression = _first(Suppression, where, [fan.workspace_id, fan.email])
    if suppression is None:
        return None
    # An unsubscribe is overridden by a later opt-in; bounces, complaints and manual
    # entries only by a member removing them.
    if (
        suppression.reason == SuppressionReason.UNSUBSCRIBED
        and consent_at is not None
        and consent_at > suppression.created
    ):
        return None
    return suppression


def _email_consent(fan: Fan, artist: Artist | None) -> Consent | None:
    """``current_consents(fan, artist=artist)[EMAIL]`` in one narrow query: the latest
    email decision (for ``artist``: its own or a workspace-wide one)."""
    where, params = '"fan_id" = %s AND "kind" = %s', [fan.pk, ConsentKind.EMAIL.value]
    if artist is not None:
        where += ' AND ("artist_id" IS NULL OR "artist_id" = %s)'
        params.append(artist.pk)
    return _first(Consent, where, params, 'ORDER BY "id" DESC')


def _not_sendable(send: _Send) -> tuple[MessageStatus, str] | None:
    """Why the fan may not get this email (no address, suppressed, no consent, dry run)."""
    fan = send.fan
    if not fan.email:
        return MessageStatus.NO_CONSENT, "The fan has no email address."
    consent = _email_consent(fan, send.artist)
    active = consent_is_active(consent)
    consent_at = (consent.confirmed_at or consent.created) if active and consent else None
    suppression = _suppressed(fan, consent_at)
    if suppression is not None:
        return MessageStatus.SUPPRESSED, f"On the suppression list: {suppression.reason}."
    if not active:
        why = "not confirmed" if consent and consent.granted else "none given or withdrawn"
        return MessageStatus.NO_CONSENT, f"No email consent ({why})."
    if send.dry_run:
        return MessageStatus.DRY_RUN, "Dry run: would have been sent."
    return None


def send_email(
    *,
    fan: Fan,
    template: EmailTemplate,
    key: str,
    release: Release | None = None,
    extra_context: dict[str, Any] | None = None,
    dry_run: bool = False,
    connection: BaseEmailBackend | None = None,
    now: dt.datetime | None = None,
    outbox: Mapping[str, OutboundMessage] | None = None,
) -> SendOutcome:
    """Send ``template`` to ``fan`` at most once for ``key``; see the module docstring.

    ``outbox``: the outbox rows of a batch's keys, read just before (a key missing from it
    had no row then), instead of a read per call. The row's unique key and the conditional
    status updates still settle a concurrent call with the same key.
    """
    if template.workspace_id != fan.workspace_id:
        raise ValueError("the template belongs to another workspace")
    if release is not None and release.artist.workspace_id != fan.workspace_id:
        raise ValueError("the release belongs to another workspace")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"the key must be 1 to {MAX_KEY_LENGTH} characters")
    send = _Send(
        fan, template, key, release, extra_context, dry_run, connection, now or timezone.now()
    )
    if outbox is not None:
        outcome = _send(send, outbox.get(key))
    else:
        outcome = _send(send, OutboundMessage.objects.filter(key=key).first())
    if outcome is None:  # a concurrent call wrote the key's row first: go by that row
        outcome = _send(send, OutboundMessage.objects.get(key=key))
    assert outcome is not None  # with a row, _send always decides
    return outcome


def _send(send: _Send, message: OutboundMessage | None) -> SendOutcome | None:
    """``send_email`` on the key's row (None: no row yet). None when a concurrent call
    wrote the row between our read and our insert."""
    if message is not None and message.status == MessageStatus.SENDING:
        # Handed to the mail backend by an attempt that never recorded the result.
        uncertain = {
            "status": MessageStatus.UNCERTAIN,
            "detail": "Interrupted while sending; not sent again.",
        }
        if OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            **uncertain
        ):
            return _final(_assign(message, uncertain))
        message.refresh_from_db()  # a concurrent call recorded the outcome meanwhile
        return _final(message)
    if message is not None and message.status in FINAL_STATUSES:
        return _final(message)

    fan, now = send.fan, send.now
    refused = _not_sendable(send)
    if refused is not None:
        return _record(send, message, *refused)
    quiet_end = quiet_hours_end(fan, now)
    if quiet_end is not None:
        detail = "Waiting for the end of quiet hours."
        return _record(send, message, MessageStatus.PENDING, detail, retry_at=quiet_end)
    cap_end = _cap_reopens_at(fan, now)
    if cap_end is not None:
        detail = "Waiting: frequency cap reached."
        deferred = _record(send, message, MessageStatus.PENDING, detail, retry_at=cap_end)
        if deferred is None:
            return None
        return SendOutcome(MessageStatus.CAPPED, deferred.message, cap_end)

    # Claim, in one commit before the send: only one caller inserts the row as SENDING
    # (or moves a deferred row PENDING → SENDING). The tokens in the links need its id.
    claim = {"status": MessageStatus.SENDING, "to": fan.email, "detail": "", "retry_at": None}
    if message is None:
        message = _insert(send, **claim)
        if message is None:
            return None
    elif OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
        **claim
    ):
        _assign(message, claim)
    else:  # a concurrent call with the same key got there first: its outcome
        message.refresh_from_db()
        return _final(message)
    return _deliver(send, message)


def _deliver(send: _Send, message: OutboundMessage) -> SendOutcome:
    """Render and send the claimed (SENDING) row, then record the outcome in one commit."""
    fan, template, artist = send.fan, send.template, send.artist
    try:
        context = rendering.fan_context(
            fan, artist=artist, release=send.release, message_pk=message.pk,
            extra=send.extra_context,
        )  # fmt: skip
        rendered = rendering.render_message(template, context, track_message_pk=message.pk)
    except rendering.TemplateProblem as exc:
        return _update(message, status=MessageStatus.FAILED, detail=f"Template error: {exc}"[:300])

    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_sender(artist, fan.workspace),
        to=[fan.email],
        headers={
            "Message-ID": message.message_id,
            "List-Unsubscribe": _list_unsubscribe(
                context["unsubscribe_url"], tokens.unsubscribe_token(fan.pk, message.pk)
            ),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        connection=send.connection or get_connection(),
    )
    email.attach_alternative(rendered.html, "text/html")
    # Providers behind django-anymail hand this back on bounce and complaint webhooks.
    email.metadata = {"fanloop_message": str(message.pk)}  # type: ignore[attr-defined]
    subject = rendered.subject[:300]
    try:
        email.send()
    except Exception as exc:
        log.warning("email %s to fan %s failed: %s", message.pk, fan.pk, exc)
        detail = f"{type(exc).__name__}: {exc}"[:300]
        return _update(message, status=MessageStatus.FAILED, subject=subject, detail=detail)
    # A concurrent retry may have marked the row UNCERTAIN meanwhile: the truth wins.
    sent = {"status": MessageStatus.SENT, "subject": subject, "sent_at": timezone.now(),
            "detail": "", "esp_message_id": _esp_message_id(email)}  # fmt: skip
    event = NewFanEvent(
        workspace_id=fan.workspace_id,
        fan_id=fan.pk,
        kind=FanEventKind.EMAIL_SENT,
        key=f"email:{message.pk}:sent",
        artist_id=artist.pk if artist is not None else None,
        release_id=send.release.pk if send.release is not None else None,
        data={"message": message.pk, "template": template.pk, "subject": subject},
    )
    with transaction.atomic():
        outcome = _update(message, **sent)
        record_fan_events([event])
    return outcome


def _update(message: OutboundMessage, **values: Any) -> SendOutcome:
    OutboundMessage.objects.filter(pk=message.pk).update(**values)
    return _final(_assign(message, values))


def _esp_message_id(email: EmailMultiAlternatives) -> str:
    status = getattr(email, "anymail_status", None)
    value = getattr(status, "message_id", None) if status is not None else None
    return str(value)[:300] if isinstance(value, str) else ""


def send_test_email(
    template: EmailTemplate, *, to: str, fan: Fan | None = None, now: dt.datetime | None = None
) -> OutboundMessage:
    """Send ``template`` rendered for ``fan`` (or a sample fan) to a member's own address.

    Links in a test send are inert (they explain themselves instead of acting on the
    fan), nothing is tracked and no fan event is written. At most ``TEST_SENDS_PER_HOUR``
    per address and hour: ValidationError beyond that, or when the backend fails.
    """
    now = now or timezone.now()
    address = normalize_email(to)
    if fan is not None and fan.workspace_id != template.workspace_id:
        raise ValueError("the fan belongs to another workspace")
    recent = OutboundMessage.objects.filter(
        workspace_id=template.workspace_id,
        is_test=True,
        to=address,
        created__gt=now - dt.timedelta(hours=1),
    ).count()
    if recent >= TEST_SENDS_PER_HOUR:
        raise ValidationError(
            f"You have sent {recent} test emails in the last hour; wait a little and try again."
        )
    context = rendering.preview_context(template, fan=fan)
    try:
        rendered = rendering.render_message(template, context)
    except rendering.TemplateProblem as exc:
        raise ValidationError(f"The template cannot be rendered: {exc}") from exc
    key = f"test:{template.pk}:{uuid.uuid4().hex}"
    message = OutboundMessage.objects.create(
        workspace_id=template.workspace_id,
        fan=None,
        template=template,
        key=key[:200],
        to=address,
        subject=f"[Test] {rendered.subject}"[:300],
        message_id=_message_id(key),
        status=MessageStatus.SENDING,
        is_test=True,
        created=now,
    )
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=rendered.text,
        from_email=_sender(template.artist, template.workspace),
        to=[address],
        headers={"Message-ID": message.message_id},
    )
    email.attach_alternative(rendered.html, "text/html")
    try:
        email.send()
    except Exception as exc:
        _finish(message, MessageStatus.FAILED, f"{type(exc).__name__}: {exc}")
        raise ValidationError(f"The test email could not be sent: {exc}") from exc
    message.status, message.sent_at = MessageStatus.SENT, timezone.now()
    message.save(update_fields=["status", "sent_at"])
    return message


# --- templates ----------------------------------------------------------------------------


def save_template(template: EmailTemplate) -> EmailTemplate:
    """Validate (the syntax, and a render with a sample fan) and save."""
    rendering.check_template(template)
    if template.artist is not None and template.artist.workspace_id != template.workspace_id:
        raise ValidationError("The artist belongs to another workspace.")
    template.save()
    return template


def templates_in_use(template: EmailTemplate) -> list[str]:
    """Names of the flows (not stopped) whose versions send ``template``."""
    from fanloop.flows.models import FlowStatus, FlowVersion

    names: set[str] = set()
    versions = FlowVersion.objects.filter(flow__workspace_id=template.workspace_id).exclude(
        flow__status=FlowStatus.STOPPED
    )
    for name, steps in versions.values_list("flow__name", "steps"):
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and step.get("type") == "email":
                if str(step.get("template")) == str(template.pk):
                    names.add(name)
    return sorted(names)


def delete_template(template: EmailTemplate) -> None:
    """Delete a template no flow uses; ValidationError naming the flows otherwise."""
    users = templates_in_use(template)
    if users:
        raise ValidationError(
            "This email is used by "
            + ", ".join(f"“{name}”" for name in users)
            + ": remove it from those flows (or stop them) first."
        )
    template.delete()


# --- unsubscribes and suppressions -----------------------------------------------------------


def _suppress(
    workspace_id: int, email: str, reason: SuppressionReason, detail: str = ""
) -> tuple[Suppression, bool]:
    """Add the address's suppression; (row, created). An existing unsubscribe becomes a
    bounce or complaint (which a later opt-in does not lift); otherwise the first stays."""
    with transaction.atomic():
        row, created = Suppression.objects.select_for_update().get_or_create(
            workspace_id=workspace_id,
            email=email,
            defaults={"reason": reason, "detail": detail[:300]},
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
            release=message.release if message else None,
            data={"message": message.pk} if message else {},
        )
    return suppression


def add_suppression(workspace: Workspace, email: str, *, detail: str = "") -> Suppression:
    """A member adds an address by hand; ValidationError if it is invalid or already listed."""
    address = normalize_email(email)
    if Suppression.objects.filter(workspace=workspace, email=address).exists():
        raise ValidationError(f"{address} is already on the suppression list.")
    row, _ = _suppress(workspace.pk, address, SuppressionReason.MANUAL, detail)
    return row


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
            release=message.release if message else None,
            data={"message": message.pk if message else None, "detail": description[:300]},
        )
    if message is not None:
        OutboundMessage.objects.filter(pk=message.pk).update(detail=detail[:300])
    return rows


# --- tracking ---------------------------------------------------------------------------------


def record_click(message_pk: int, url: str) -> None:
    """A fan followed a tracked link: the message was opened and clicked (once each)."""
    message = OutboundMessage.objects.filter(pk=message_pk).select_related("fan").first()
    if message is None or message.fan is None:
        return
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk, clicked_at__isnull=True).update(clicked_at=now)
    OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now)
    data = {"message": message.pk, "url": url[:500]}
    record_fan_event(
        message.fan,
        FanEventKind.EMAIL_CLICKED,
        key=f"email:{message.pk}:clicked",
        release=message.release,
        data=data,
    )
    record_fan_event(
        message.fan,
        FanEventKind.EMAIL_OPENED,
        key=f"email:{message.pk}:opened",
        release=message.release,
        data={"message": message.pk, "via": "click"},
    )


def record_open(message_pk: int) -> None:
    """The open-tracking pixel was loaded (only counted while ``EMAIL_OPEN_TRACKING`` is on)."""
    if not settings.EMAIL_OPEN_TRACKING:
        return
    message = OutboundMessage.objects.filter(pk=message_pk).select_related("fan").first()
    if message is None or message.fan is None:
        return
    OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(
        opened_at=timezone.now()
    )
    record_fan_event(
        message.fan,
        FanEventKind.EMAIL_OPENED,
        key=f"email:{message.pk}:opened",
        release=message.release,
        data={"message": message.pk, "via": "pixel"},
    )
