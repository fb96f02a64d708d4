"""Sending flow emails: the send pipeline, its outbox rows, and members' test sends.

``send_emails`` is the one way fans get flow emails (``send_email`` sends one). For a
chunk of ``SEND_CHUNK`` requests it reads, in one query each, the fans' email
consents, the suppression list and (with a frequency cap) their recent sends, and decides
per message, in order: an address, the suppression list, the email consent (confirmed
under double opt-in), the dry run, quiet hours in the fan's time zone and the frequency
cap. It then commits the chunk's outbox rows in one go — PENDING for those to send
(inserted for a new key), the outcome for the others — and sends the messages one at a
time through Django's email framework (for Django's SMTP backend, the bytes composed
by ``lib.mime``, as Django writes them): each is claimed (SENDING) in the commit that
records the outcome of the one before (SENT with its EMAIL_SENT fan event, or FAILED),
just before it is handed to the backend. The rows' unique ``key`` makes it at-most-once:
the same key again returns the recorded outcome, and a row a crash left in SENDING is in
doubt (UNCERTAIN, it may have left): a worker killed while sending leaves at most one.
With a backend that takes an idempotency key (``backends.takes_key``) an in-doubt message
is sent again with the same key (the provider drops a copy); otherwise never again.

A temporary error (``send_errors.is_temporary``: the server down, a 4xx reply, a
provider's 429/5xx) puts the message back to PENDING with an exponential backoff and
stops the call: the messages after it are not tried and stay PENDING. Only a permanent
rejection fails a message. Deferrals (quiet hours, cap, the server down) leave the row
PENDING with ``retry_at``: the caller calls again then, with the same key.

Call it outside a database transaction: the SENDING claim must be committed before the
message leaves, or a crash would roll it back and the retry would send a second time.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as database
from django.db.models import IntegerField, Value
from django.utils import timezone
from django.utils.crypto import salted_hmac

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import NewFanEvent, insert_statement, record_fan_events
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans import consents
from fanloop.fans.consent_log import consent_is_active
from fanloop.fans.identity import normalize_email
from fanloop.fans.models import Consent, ConsentKind, Fan
from fanloop.lib import mime
from fanloop.lib.bulk import insert_fields, insert_sql, prepared
from fanloop.lib.db import write_turn
from fanloop.messaging import backends, rendering, send_errors, tokens
from fanloop.messaging.addresses import address_hashes
from fanloop.messaging.models import (
    EmailTemplate,
    MessageStatus,
    OutboundMessage,
    Suppression,
    SuppressionReason,
)
from fanloop.messaging.quiet_hours import quiet_hours_end
from fanloop.messaging.sending_rules import rules_for

__all__ = [
    "FINAL_STATUSES",
    "EmailRequest",
    "SendOutcome",
    "read_outbox",
    "send_email",
    "send_emails",
    "send_test_email",
    "settle_pending",
]

log = logging.getLogger(__name__)

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
# A send stopped by a temporary error is retried after RETRY_BASE_S, doubling with each
# attempt up to RETRY_CAP_S (a random point in the upper half of it: workers that hit the
# same outage do not come back together), and failed after MAX_SEND_ATTEMPTS (~4 hours).
RETRY_BASE_S = 30.0
RETRY_CAP_S = 3600.0
MAX_SEND_ATTEMPTS = 10
# ``SendOutcome.why`` of a send deferred because the mail server failed temporarily.
MAIL_DOWN = "mail server unavailable"
# Test sends a member may make per hour (they go to the member's own address).
TEST_SENDS_PER_HOUR = 10
# Flow emails decided together (consent, suppression and cap reads, the outbox rows: one
# commit per chunk); each is still claimed and recorded on its own as it is sent, so a
# killed worker leaves one message in doubt, not a chunk. Not measured on its own; chosen
# small so a chunk's commit stays short (CHANGELOG, when it was the EMAIL_SEND_CHUNK setting).
SEND_CHUNK = 10


@dataclass(frozen=True)
class SendOutcome:
    """What ``send_email`` did. ``retry_at``: deferred, call again then with the same key;
    ``why`` says why when it is not quiet hours or the cap (``MAIL_DOWN``)."""

    status: MessageStatus
    message: OutboundMessage | None
    retry_at: dt.datetime | None = None
    why: str = ""

    @property
    def mail_down(self) -> bool:
        return self.why == MAIL_DOWN


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait before the next try after ``attempts`` temporary failures (see RETRY_BASE_S)."""
    ceiling = min(RETRY_CAP_S, RETRY_BASE_S * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _sender(artist: Artist | None, workspace: Workspace) -> str:
    return _from_header(artist.name if artist else workspace.name, settings.DEFAULT_FROM_EMAIL)


# Senders and Message-ID domains by the settings they are made of: parsing the address
# cost a few µs per message and row (profiled with bench/broadcast.py), for the same answer.
@functools.lru_cache(maxsize=256)
def _from_header(name: str, default_from: str) -> str:
    _, address = parseaddr(default_from)
    return formataddr((name, address))


@functools.lru_cache(maxsize=16)
def _id_domain(default_from: str, site_url: str) -> str:
    _, address = parseaddr(default_from)
    return address.rpartition("@")[2] or urlsplit(site_url).hostname or "localhost"


def _message_id(key: str) -> str:
    """The Message-ID header, the same for the same key (and install)."""
    digest = salted_hmac("fanloop.messaging.message-id", key, algorithm="sha256").hexdigest()
    return f"<{digest[:40]}@{_id_domain(settings.DEFAULT_FROM_EMAIL, settings.SITE_URL)}>"


def _list_unsubscribe(url: str, fan_pk: int, message_pk: int) -> str:
    values = [f"<{url}>"]
    mailto = settings.EMAIL_UNSUBSCRIBE_MAILTO
    if mailto:
        token = tokens.unsubscribe_token(fan_pk, message_pk)
        values.append(f"<mailto:{mailto}?subject={quote('unsubscribe ' + token)}>")
    return ", ".join(values)


def _assign(message: OutboundMessage, values: dict[str, Any]) -> OutboundMessage:
    """Mirror an ``update()`` already written to the row on the instance."""
    for name, value in values.items():
        setattr(message, name, value)
    return message


def _final(message: OutboundMessage) -> SendOutcome:
    return SendOutcome(MessageStatus(message.status), message)


@dataclass(frozen=True)
class EmailRequest:
    """One message for ``send_emails``: ``template`` to ``fan``, at most once for ``key``."""

    fan: Fan
    template: EmailTemplate
    key: str
    release: Release | None = None
    extra_context: dict[str, Any] | None = None
    dry_run: bool = False

    @property
    def artist(self) -> Artist | None:
        return self.template.artist or (self.release.artist if self.release is not None else None)

    def check(self) -> None:
        """ValueError for a request no caller may make (another workspace, a bad key)."""
        workspace_id = self.fan.workspace_id
        if self.template.workspace_id != workspace_id:
            raise ValueError("the template belongs to another workspace")
        if self.release is not None and self.release.artist.workspace_id != workspace_id:
            raise ValueError("the release belongs to another workspace")
        if not self.key or len(self.key) > MAX_KEY_LENGTH:
            raise ValueError(f"the key must be 1 to {MAX_KEY_LENGTH} characters")


@dataclass(frozen=True)
class _Decision:
    """What to do with one request: SENDING = send it now; PENDING = defer to
    ``retry_at``; any other status = record it, not sent."""

    status: MessageStatus
    detail: str = ""
    retry_at: dt.datetime | None = None
    capped: bool = False

    def outcome(self, message: OutboundMessage) -> SendOutcome:
        status = MessageStatus.CAPPED if self.capped else self.status
        return SendOutcome(status, message, self.retry_at)


SEND_NOW = _Decision(MessageStatus.SENDING)


def _email_decisions(requests: list[EmailRequest]) -> dict[tuple[int, int | None], Consent]:
    """The deciding email row per (fan, sending artist) of a chunk, by the one consent rule
    (``fans/consents.py``), in one query however many fans and artists the chunk has."""
    groups: dict[int | None, tuple[Artist | None, set[int]]] = {}
    for request in requests:
        artist = request.artist
        groups.setdefault(artist.pk if artist is not None else None, (artist, set()))[1].add(
            request.fan.pk
        )
    parts = [
        consents.decisions(artist)
        .filter(kind=ConsentKind.EMAIL, fan_id__in=fan_ids)
        .annotate(question=Value(key or 0, output_field=IntegerField()))
        for key, (artist, fan_ids) in groups.items()
    ]
    if not parts:
        return {}
    found: dict[tuple[int, int | None], Consent] = {}
    for row in parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]:
        found[(row.fan_id, row.question or None)] = row
    return found


class _Facts:
    """What decides whether the fans of a chunk may get an email now, read in one query
    each (consents, suppressions, recent sends for the cap) just before the chunk is
    claimed: a fan who unsubscribes before the claim gets nothing."""

    def __init__(self, requests: list[EmailRequest], now: dt.datetime) -> None:
        self.now = now
        fan_ids = {request.fan.pk for request in requests}
        self.consents = _email_decisions(requests)
        self.hashes = {
            request.fan.email: address_hashes(request.fan.email)
            for request in requests
            if request.fan.email
        }
        self.suppressions = {
            (row.workspace_id, row.email_hash): row
            for row in Suppression.objects.filter(
                workspace_id__in={request.fan.workspace_id for request in requests},
                email_hash__in={h for hashes in self.hashes.values() for h in hashes},
            )
        }
        # Each workspace's frequency cap and quiet hours (its own, or the install's).
        self.rules = rules_for(request.fan.workspace_id for request in requests)
        # Newest first, per fan; a send decided in this chunk counts for the ones after it.
        self.sent: dict[int, list[dt.datetime]] = defaultdict(list)
        capped = [rules.window for rules in self.rules.values() if rules.cap]
        if capped:
            recent = OutboundMessage.objects.filter(
                fan_id__in=fan_ids, status=MessageStatus.SENT, is_test=False,
                sent_at__gt=now - max(capped),
            ).values_list("fan_id", "sent_at")  # fmt: skip
            for fan_id, sent_at in recent:
                if sent_at is not None:  # filtered on sent_at
                    self.sent[fan_id].append(sent_at)
            for times in self.sent.values():
                times.sort(reverse=True)

    def email_consent(self, fan: Fan, artist: Artist | None) -> Consent | None:
        """The email decision that counts for ``artist`` (None: the workspace-wide one), as
        ``current_consents(fan, artist=artist)[EMAIL]``: read by the one rule."""
        return self.consents.get((fan.pk, artist.pk if artist is not None else None))

    def suppressed(self, fan: Fan, consent_at: dt.datetime | None) -> Suppression | None:
        found = (self.suppressions.get((fan.workspace_id, h)) for h in self.hashes[fan.email])
        suppression = next((row for row in found if row is not None), None)
        # An unsubscribe is overridden by a later opt-in; bounces, complaints and manual
        # entries only by a member removing them.
        if (
            suppression is not None
            and suppression.reason == SuppressionReason.UNSUBSCRIBED
            and consent_at is not None
            and consent_at > suppression.created
        ):
            return None
        return suppression

    def cap_reopens_at(self, fan: Fan) -> dt.datetime | None:
        """When the frequency cap lets the fan get one more email; None when under it."""
        rules = self.rules[fan.workspace_id]
        if not rules.cap:
            return None
        recent = [at for at in self.sent.get(fan.pk, ()) if at > self.now - rules.window]
        if len(recent) < rules.cap:
            return None
        return recent[rules.cap - 1] + rules.window

    def decide(self, request: EmailRequest) -> _Decision:
        """In order: an address, the suppression list, consent, dry run, quiet hours, cap."""
        fan = request.fan
        if not fan.email:
            return _Decision(MessageStatus.NO_CONSENT, "The fan has no email address.")
        consent = self.email_consent(fan, request.artist)
        active = consent_is_active(consent)
        consent_at = (consent.confirmed_at or consent.created) if active and consent else None
        suppression = self.suppressed(fan, consent_at)
        if suppression is not None:
            detail = f"On the suppression list: {suppression.reason}."
            return _Decision(MessageStatus.SUPPRESSED, detail)
        if not active:
            why = "not confirmed" if consent and consent.granted else "none given or withdrawn"
            return _Decision(MessageStatus.NO_CONSENT, f"No email consent ({why}).")
        if request.dry_run:
            return _Decision(MessageStatus.DRY_RUN, "Dry run: would have been sent.")
        quiet_end = quiet_hours_end(fan, self.now, self.rules[fan.workspace_id].quiet_hours)
        if quiet_end is not None:
            detail = "Waiting for the end of quiet hours."
            return _Decision(MessageStatus.PENDING, detail, quiet_end)
        cap_end = self.cap_reopens_at(fan)
        if cap_end is not None:
            detail = "Waiting: frequency cap reached."
            return _Decision(MessageStatus.PENDING, detail, cap_end, capped=True)
        self.sent[fan.pk].insert(0, self.now)
        return SEND_NOW


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
    """Send ``template`` to ``fan`` at most once for ``key``: ``send_emails`` for one."""
    request = EmailRequest(fan, template, key, release, extra_context, dry_run)
    return send_emails([request], connection=connection, now=now, outbox=outbox)[key]


def send_emails(
    requests: Sequence[EmailRequest],
    *,
    connection: BaseEmailBackend | None = None,
    now: dt.datetime | None = None,
    outbox: Mapping[str, OutboundMessage] | None = None,
    chunk: int | None = None,
) -> dict[str, SendOutcome]:
    """Send each request at most once for its key; the outcomes by key. See the module
    docstring; ``chunk`` (default ``SEND_CHUNK``) requests are decided and written together.

    ``outbox``: the outbox rows of the keys, read just before (a key missing from it had
    no row then), instead of a read per chunk. The rows' unique key and the conditional
    status updates still settle a concurrent call with the same key.
    """
    for request in requests:
        request.check()
    if len({request.key for request in requests}) != len(requests):
        raise ValueError("each request needs a key of its own")
    now = now or timezone.now()
    chunk = max(1, chunk or SEND_CHUNK)
    outcomes: dict[str, SendOutcome] = {}
    backend = connection or get_connection()
    try:
        for first in range(0, len(requests), chunk):
            part = list(requests[first : first + chunk])
            rows = outbox if outbox is not None else read_outbox([r.key for r in part])
            done = _send_chunk(part, rows, backend, now)
            outcomes.update(done)
            down = next((o.retry_at for o in done.values() if o.mail_down), None)
            if down is not None:  # the rest waits with the chunk's untried messages
                for request in requests[first + chunk :]:
                    message = rows.get(request.key) if outbox is not None else None
                    outcomes[request.key] = SendOutcome(
                        MessageStatus.PENDING, message, down, MAIL_DOWN
                    )
                break
    finally:
        if connection is None:
            _close_quietly(backend)
    return outcomes


def _close_quietly(backend: BaseEmailBackend) -> None:
    """Close the backend's connection; one already broken may fail to close."""
    try:
        backend.close()
    except Exception:
        log.debug("closing the mail connection failed", exc_info=True)


def read_outbox(keys: Sequence[str]) -> dict[str, OutboundMessage]:
    """The outbox rows of ``keys`` that exist, by key (500 keys a query)."""
    rows: dict[str, OutboundMessage] = {}
    for first in range(0, len(keys), 500):
        found = OutboundMessage.objects.filter(key__in=keys[first : first + 500])
        rows.update((row.key, row) for row in found)
    return rows


def _send_chunk(
    requests: list[EmailRequest],
    rows: Mapping[str, OutboundMessage],
    backend: BaseEmailBackend,
    now: dt.datetime,
    *,
    again: bool = True,
) -> dict[str, SendOutcome]:
    """Decide and write the decisions (one commit), then send one message at a time
    (``_deliver``). A key another call wrote between our read and our write is settled by
    that call's row (``again``: once)."""
    outcomes: dict[str, SendOutcome] = {}
    todo: list[tuple[EmailRequest, OutboundMessage | None]] = []
    retry: list[tuple[EmailRequest, OutboundMessage]] = []
    for request in requests:
        message = rows.get(request.key)
        if message is not None and message.status == MessageStatus.SENDING:
            if _may_send_again(message, backend):
                retry.append((request, message))
            else:
                outcomes[request.key] = _in_doubt(message, backend)
        elif message is not None and message.status in FINAL_STATUSES:
            outcomes[request.key] = _final(message)
        else:  # no row yet, or deferred before (PENDING): decide now
            todo.append((request, message))
    lost: list[EmailRequest] = []
    to_send = list(retry)
    if todo:
        facts = _Facts([request for request, _ in todo], now)
        decided = [(request, message, facts.decide(request)) for request, message in todo]
        written, lost = _write_decisions(decided, now)
        for request, message, decision in written:
            if decision is SEND_NOW:
                to_send.append((request, message))
            else:
                outcomes[request.key] = decision.outcome(message)
    outcomes.update(_deliver(to_send, backend, {m.pk for _, m in retry}))
    if lost:
        fresh = read_outbox([request.key for request in lost])
        if not again:  # pragma: no cover - a key written twice in a row by others
            raise RuntimeError("the outbox rows of these keys keep changing")
        if any(outcome.mail_down for outcome in outcomes.values()):
            down = next(o.retry_at for o in outcomes.values() if o.mail_down)
            for request in lost:
                outcomes[request.key] = SendOutcome(
                    MessageStatus.PENDING, fresh.get(request.key), down, MAIL_DOWN
                )
        else:
            outcomes.update(_send_chunk(lost, fresh, backend, now, again=False))
    return outcomes


def _may_send_again(message: OutboundMessage, backend: BaseEmailBackend) -> bool:
    """An in-doubt row is sent again only through a backend that passes the idempotency
    key, while the provider still remembers it."""
    since = message.sending_since
    recent = since is not None and since > timezone.now() - backends.IDEMPOTENCY_WINDOW
    return recent and backends.takes_key(backend)


IN_DOUBT = "Interrupted while being handed to the mail server: it may have been sent. "
NO_KEY = "The mail backend takes no idempotency key, so it is not sent again."
KEY_TOO_OLD = "Too long ago for the provider's idempotency key: it is not sent again."


def _in_doubt(message: OutboundMessage, backend: BaseEmailBackend) -> SendOutcome:
    """A row left SENDING: handed to the mail backend by an attempt that never recorded
    the result. It becomes UNCERTAIN (in doubt) and is never sent again."""
    why = KEY_TOO_OLD if backends.takes_key(backend) else NO_KEY
    uncertain = {"status": MessageStatus.UNCERTAIN, "detail": IN_DOUBT + why}
    if OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        **uncertain
    ):
        return _final(_assign(message, uncertain))
    message.refresh_from_db()  # a concurrent call recorded the outcome meanwhile
    return _final(message)


_OUTBOX_BY_NAME = {field.name: field for field in insert_fields(OutboundMessage)}


def _stored_status(decision: _Decision) -> MessageStatus:
    """A message to send is written PENDING: it is claimed just before it is sent."""
    return MessageStatus.PENDING if decision is SEND_NOW else decision.status


def _new_row(request: EmailRequest, decision: _Decision, now: dt.datetime) -> OutboundMessage:
    fan = request.fan
    return OutboundMessage(
        workspace_id=fan.workspace_id,
        fan=fan,
        template=request.template,
        release=request.release,
        key=request.key,
        to=fan.email,
        subject=request.template.name[:300],
        message_id=_message_id(request.key),
        status=_stored_status(decision),
        detail=decision.detail[:300],
        retry_at=decision.retry_at,
        created=now,
    )


def _insert_rows(messages: list[OutboundMessage]) -> None:
    """Insert the rows, skipping keys that already have one; sets ``pk`` on those inserted.

    One ``INSERT … ON CONFLICT (key) DO NOTHING RETURNING id, key``: the ORM's
    ``bulk_create`` either fails the whole chunk on a concurrent key or returns no ids."""
    if not messages:
        return
    sql = insert_sql(
        OutboundMessage, len(messages), 'ON CONFLICT ("key") DO NOTHING RETURNING "id", "key"'
    )
    params = [value for message in messages for value in prepared(OutboundMessage, message)]
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        ids = dict((key, pk) for pk, key in cursor.fetchall())
    for message in messages:
        message.pk = ids.get(message.key)
        message._state.adding = message.pk is None


def _write_decisions(
    decided: list[tuple[EmailRequest, OutboundMessage | None, _Decision]], now: dt.datetime
) -> tuple[list[tuple[EmailRequest, OutboundMessage, _Decision]], list[EmailRequest]]:
    """Write every decision in one commit: new keys inserted, deferred rows still PENDING
    updated. Returns (written, lost): the requests whose row another call wrote first."""
    written: list[tuple[EmailRequest, OutboundMessage, _Decision]] = []
    lost: list[EmailRequest] = []
    new = [(request, _new_row(request, decision, now), decision)
           for request, message, decision in decided if message is None]  # fmt: skip
    with write_turn():
        _insert_rows([message for _, message, _ in new])
        for request, message, decision in new:
            if message.pk is None:
                lost.append(request)
            else:
                written.append((request, message, decision))
        for request, old, decision in decided:
            if old is None:
                continue
            values: dict[str, Any] = {"status": _stored_status(decision),
                                      "detail": decision.detail[:300],
                                      "retry_at": decision.retry_at}  # fmt: skip
            if decision is SEND_NOW:
                values["to"] = request.fan.email
            pending = OutboundMessage.objects.filter(pk=old.pk, status=MessageStatus.PENDING)
            if pending.update(**values):
                written.append((request, _assign(old, values), decision))
            else:
                lost.append(request)
    return written, lost


@dataclass
class _Result:
    """One message after its send: the values to write, its event if sent, and the
    outcome the caller gets."""

    message: OutboundMessage
    values: dict[str, Any]
    event: NewFanEvent | None = None

    def outcome(self) -> SendOutcome:
        message = _assign(self.message, self.values)
        if self.values["status"] == MessageStatus.PENDING:
            return SendOutcome(MessageStatus.PENDING, message, self.values["retry_at"], MAIL_DOWN)
        return _final(message)


_CLAIM = (
    'UPDATE "messaging_outboundmessage" SET "status" = %s, "sending_since" = %s '
    'WHERE "id" = %s AND "status" = %s'
)


def _claim(message: OutboundMessage, *, again: bool) -> bool:
    """Mark the row SENDING (``again``: an in-doubt row, already SENDING, sent again),
    unless another call changed it since it was read. One prepared UPDATE: it runs per
    message."""
    since = timezone.now()
    status = MessageStatus.SENDING if again else MessageStatus.PENDING
    with database.cursor() as cursor:
        cursor.execute(
            _CLAIM,
            [MessageStatus.SENDING.value, database.ops.adapt_datetimefield_value(since),
             message.pk, status.value],
        )  # fmt: skip
        claimed = cursor.rowcount == 1
    if claimed:
        _assign(message, {"status": MessageStatus.SENDING, "sending_since": since})
    return claimed


def _deliver(
    to_send: list[tuple[EmailRequest, OutboundMessage]],
    backend: BaseEmailBackend,
    again: set[int],
) -> dict[str, SendOutcome]:
    """Render and send the messages one at a time. Each is claimed (SENDING) in the
    commit that records the outcome of the one before, just before it is handed to the
    backend: a worker killed meanwhile leaves one message in doubt, not the chunk. The
    first temporary error stops: that message goes back to PENDING with a backoff, the
    ones after it stay PENDING, untried, and wait as long. ``again``: the rows of in-doubt
    messages sent again with their idempotency key."""
    outcomes: dict[str, SendOutcome] = {}
    unrecorded: list[_Result] = []
    shared = rendering.SharedValues()  # the release's part of the context, once
    down: dt.datetime | None = None
    try:
        for request, message in to_send:
            if down is not None:
                outcomes[request.key] = SendOutcome(MessageStatus.PENDING, message, down, MAIL_DOWN)
                continue
            prepared = _prepare(request, message, backend, shared)
            if isinstance(prepared, _Result):  # the template failed to render
                unrecorded.append(prepared)
                continue
            resend = message.pk in again
            claimed = _record_and_claim(unrecorded, message, again=resend)
            outcomes.update((r.message.key, r.outcome()) for r in unrecorded)
            unrecorded = []
            if not claimed:
                message.refresh_from_db()  # another call took it meanwhile: its outcome
                outcomes[request.key] = _taken_elsewhere(message)
                continue
            result = _hand_over(request, message, prepared, backend, resend=resend)
            unrecorded.append(result)
            if result.values["status"] == MessageStatus.PENDING:
                down = result.values["retry_at"]
                _close_quietly(backend)  # a broken connection: the next call opens anew
    finally:
        _record_and_claim(unrecorded, None)
    outcomes.update((r.message.key, r.outcome()) for r in unrecorded)
    return outcomes


def _record_and_claim(
    results: list[_Result], message: OutboundMessage | None, *, again: bool = False
) -> bool:
    """Record ``results`` and claim ``message`` (when given) atomically; whether it was
    claimed. On PostgreSQL one statement (``_one_statement``), a single round trip in
    autocommit; elsewhere one transaction of ``_record_results`` and ``_claim``."""
    if not results and message is None:
        return False
    if database.vendor == "postgresql":
        return _one_statement(results, message, again=again)
    with write_turn():
        _record_results(results)
        return _claim(message, again=again) if message is not None else False


def _one_statement(results: list[_Result], message: OutboundMessage | None, *, again: bool) -> bool:
    """``_record_results`` and ``_claim`` as one data-modifying ``WITH`` statement: each
    result's UPDATE, the sent messages' fan events (one INSERT), then the claim. A single
    statement is atomic on its own: committed whole (autocommit) or not at all, as the
    transaction of BEGIN, UPDATE, INSERT, UPDATE, COMMIT it replaces (five round trips)."""
    parts: list[str] = []
    params: list[Any] = []
    for n, result in enumerate(results):
        names = tuple(result.values)
        parts.append(f"r{n} AS ({_update_sql(names)} RETURNING 1)")
        params += [_OUTBOX_BY_NAME[name].get_db_prep_save(result.values[name], database)
                   for name in names] + [result.message.pk]  # fmt: skip
    events = [result.event for result in results if result.event is not None]
    if events:
        sql, values = insert_statement(events)
        parts.append(f"e AS ({sql} RETURNING 1)")
        params += values
    since = timezone.now()
    if message is not None:
        parts.append(f"c AS ({_CLAIM} RETURNING 1)")
        status = MessageStatus.SENDING if again else MessageStatus.PENDING
        params += [MessageStatus.SENDING.value, database.ops.adapt_datetimefield_value(since),
                   message.pk, status.value]  # fmt: skip
        tail = "SELECT count(*) FROM c"
    else:
        tail = "SELECT 0"
    with database.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {tail}", params)
        row = cursor.fetchone()
    claimed = bool(row and row[0])
    if claimed and message is not None:
        _assign(message, {"status": MessageStatus.SENDING, "sending_since": since})
    return claimed


@functools.cache
def _update_sql(names: tuple[str, ...]) -> str:
    """``UPDATE`` of an outbox row's fields ``names`` by id (its id the last parameter)."""
    ops = database.ops
    table = ops.quote_name(OutboundMessage._meta.db_table)
    sets = ", ".join(f"{ops.quote_name(_OUTBOX_BY_NAME[n].column)} = %s" for n in names)
    return f"UPDATE {table} SET {sets} WHERE id = %s"  # noqa: S608 - constant parts


def _taken_elsewhere(message: OutboundMessage) -> SendOutcome:
    """The row another call claimed or settled between our read and our claim."""
    if message.status in FINAL_STATUSES:
        return _final(message)
    # Being sent by another call (or deferred by it): look again a little later.
    retry_at = timezone.now() + dt.timedelta(seconds=RETRY_BASE_S)
    return SendOutcome(MessageStatus.PENDING, message, retry_at, "being sent by another worker")


@dataclass
class _Prepared:
    """A rendered message; ``on_wire``: its bytes, composed for a backend that sends as
    Django's SMTP backend does (``lib.mime``), else None: the backend builds them."""

    email: EmailMultiAlternatives
    subject: str
    on_wire: mime.Wire | None = None


def _prepare(
    request: EmailRequest,
    message: OutboundMessage,
    backend: BaseEmailBackend,
    shared: rendering.SharedValues,
) -> _Prepared | _Result:
    """The message rendered for the fan, or a FAILED result when the template fails."""
    fan, template, artist = request.fan, request.template, request.artist
    try:
        context = rendering.fan_context(
            fan, artist=artist, release=request.release, message_pk=message.pk,
            extra=request.extra_context, shared=shared,
        )  # fmt: skip
        rendered = rendering.render_message(template, context, track_message_pk=message.pk)
    except rendering.TemplateProblem as exc:
        failed = {"status": MessageStatus.FAILED, "detail": f"Template error: {exc}"[:300]}
        return _Result(message, failed)

    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_sender(artist, fan.workspace),
        to=[fan.email],
        headers={
            "Message-ID": message.message_id,
            "List-Unsubscribe": _list_unsubscribe(context["unsubscribe_url"], fan.pk, message.pk),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        connection=backend,
    )
    email.attach_alternative(rendered.html, "text/html")
    # Providers behind django-anymail hand this back on bounce and complaint webhooks.
    email.metadata = {"fanloop_message": str(message.pk)}  # type: ignore[attr-defined]
    # Stable per outbox row and install (the Message-ID's digest), unlike the bare key.
    backends.set_idempotency_key(email, f"fanloop-{message.message_id.strip('<>')}")
    return _Prepared(email, rendered.subject[:300], _on_wire(email, backend))


def _on_wire(email: EmailMultiAlternatives, backend: BaseEmailBackend) -> mime.Wire | None:
    """The message's bytes for a backend that sends as Django's SMTP backend does. A
    header or address Django refuses leaves it to Django: its send raises the same error,
    recorded as the message's failure."""
    if not mime.sends_as_django_smtp(backend):
        return None
    try:
        return mime.wire(email)
    except ValueError:  # BadHeaderError, or an address sanitize_address refuses
        return None


def _hand_over(
    request: EmailRequest,
    message: OutboundMessage,
    prepared: _Prepared,
    backend: BaseEmailBackend,
    *,
    resend: bool,
) -> _Result:
    """Send the claimed message; SENT, PENDING (a temporary error: retry later) or
    FAILED (UNCERTAIN for an in-doubt message sent again: the first may have left)."""
    fan, subject = request.fan, prepared.subject
    try:
        backend.open()  # no-op when open; reopens after a temporary error closed it
        mime.send(prepared.email, backend, prepared.on_wire)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        log.warning("email %s to fan %s not sent: %s", message.pk, fan.pk, detail[:300])
        attempts = message.attempts + 1
        if send_errors.is_temporary(exc) and attempts < MAX_SEND_ATTEMPTS:
            retry_at = timezone.now() + retry_delay(attempts)
            why = f"Not sent yet, the mail server is unavailable ({detail}"[:298] + ")."
            return _Result(message, {"status": MessageStatus.PENDING, "subject": subject,
                                     "detail": why, "retry_at": retry_at,
                                     "attempts": attempts})  # fmt: skip
        if send_errors.is_temporary(exc):
            detail = f"Gave up after {attempts} attempts: {detail}"
        status = MessageStatus.UNCERTAIN if resend else MessageStatus.FAILED
        return _Result(message, {"status": status, "subject": subject,
                                 "detail": detail[:300], "attempts": attempts})  # fmt: skip
    sent = {"status": MessageStatus.SENT, "subject": subject, "sent_at": timezone.now(),
            "detail": "", "retry_at": None,
            "esp_message_id": _esp_message_id(prepared.email)}  # fmt: skip
    artist = request.artist
    event = NewFanEvent(
        workspace_id=fan.workspace_id,
        fan_id=fan.pk,
        kind=FanEventKind.EMAIL_SENT,
        key=f"email:{message.pk}:sent",
        actor=Actor.FANLOOP,
        artist_id=artist.pk if artist is not None else None,
        release_id=request.release.pk if request.release is not None else None,
        data={"message": message.pk, "template": request.template.pk, "subject": subject},
    )
    return _Result(message, sent, event)


def _record_results(results: list[_Result]) -> None:
    """Write the outcomes of sent (or failed) messages: one UPDATE per message, prepared
    once; a concurrent retry may have marked a row UNCERTAIN meanwhile: the truth wins.
    A single message (the usual case: its outcome goes with the next one's claim) is a
    plain statement: ``executemany`` on PostgreSQL enters pipeline mode, a round trip more."""
    if not results:
        return
    by_fields: dict[tuple[str, ...], list[_Result]] = defaultdict(list)
    for result in results:
        by_fields[tuple(result.values)].append(result)
    with database.cursor() as cursor:
        for names, group in by_fields.items():
            fields = [_OUTBOX_BY_NAME[name] for name in names]
            sql = _update_sql(names)
            params = [
                [field.get_db_prep_save(result.values[field.name], database)
                 for field in fields] + [result.message.pk]
                for result in group
            ]  # fmt: skip
            if len(params) == 1:
                cursor.execute(sql, params[0])
            else:
                cursor.executemany(sql, params)
    events = [result.event for result in results if result.event is not None]
    if events:
        record_fan_events(events)


def _esp_message_id(email: EmailMultiAlternatives) -> str:
    status = getattr(email, "anymail_status", None)
    value = getattr(status, "message_id", None) if status is not None else None
    return str(value)[:300] if isinstance(value, str) else ""


def settle_pending(keys: Sequence[str], status: MessageStatus, detail: str) -> int:
    """Record ``status`` for the rows of ``keys`` still PENDING (deferred): for a sender
    that will not call again, e.g. a broadcast skipping a fan over the frequency cap
    rather than waiting days. Rows claimed or settled meanwhile are left as they are."""
    return OutboundMessage.objects.filter(key__in=list(keys), status=MessageStatus.PENDING).update(
        status=status, detail=detail[:300], retry_at=None
    )


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
        message.status, message.detail = MessageStatus.FAILED, f"{type(exc).__name__}: {exc}"[:300]
        message.save(update_fields=["status", "detail"])
        raise ValidationError(f"The test email could not be sent: {exc}") from exc
    message.status, message.sent_at = MessageStatus.SENT, timezone.now()
    message.save(update_fields=["status", "sent_at"])
    return message
