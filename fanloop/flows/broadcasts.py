"""Broadcasts: a one-off email from a template to a segment, through the flow email
pipeline (``messaging.sending.send_emails``), so the same guarantees hold: an outbox row
per fan with the idempotency key ``broadcast:<id>:<fan id>`` (at most once), consent and
suppression read at send time, quiet hours in the fan's time zone (the fan's email waits
for their end), RFC 8058 one-click unsubscribe headers, bounces and complaints handled by
messaging's webhooks. A fan over the frequency cap is skipped (recorded ``capped``), not
deferred: a broadcast is news of the moment.

Life: DRAFT → SCHEDULED (``send_at``; now for "send now") → SENDING → SENT, or CANCELLED
before it starts. Starting (``start_due``, run by the ``broadcasts.tick`` workflow) fixes
the audience: the segment's members at that moment become ``BroadcastRecipient`` rows in
the same transaction as the status change. The audience is then cut into parts of
``PART_SIZE`` recipients by id (``parts``), each sent by a named DBOS workflow
``broadcast.send`` (workflow id ``broadcast-<id>-<first recipient id>``) enqueued on the
``broadcasts`` queue, which every worker process consumes (a few parts at once each): the
parts spread over the processes as they free up. A part is sent ``BATCH_SIZE`` recipients
per step (see ``send_batch``) until none of it is left; the last part to finish marks the
broadcast sent. A worker killed mid-step is recovered by DBOS and the step runs again: keys
already in the outbox return their recorded outcome, so nothing is sent twice (a message
handed to the mail server when the worker died is left in doubt, at most one per part
being sent, as for flow email). ``run`` does the same in the calling thread (tests,
commands).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.flows import segments
from fanloop.flows.models import Broadcast, BroadcastRecipient, BroadcastStatus, Segment
from fanloop.messaging import sending
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage

# Recipients sent per workflow step (one step's work is redone after a crash: keys
# already in the outbox cost a read, not a send). Not measured; the flow engine's batch.
BATCH_SIZE = 100
# Recipients per part of an audience, each part sent by its own workflow on the broadcasts
# queue, taken by whichever worker process has room. Not compared with other sizes; chosen
# so that a 10,000-fan broadcast has parts for both processes of a two-process worker to
# the end (bench/broadcast.py --part send --fans 10000 sent steadily to the last message)
# while a part's bookkeeping (its workflow, its last look at what is left) stays a
# fraction of its 1,000 sends.
PART_SIZE = 1000
# Longest durable sleep between steps while every recipient left waits (quiet hours, the
# mail server down): the workflow looks again at least this often.
MAX_SLEEP_S = 60.0
# Recipients whose consents, suppressions and outbox rows are read and written together
# (``sending.send_emails``'s chunk; each message is still claimed on its own just before
# it leaves). Flow email decides 10 at a time; a broadcast's fans all get the same email,
# and the reads and writes per chunk cost more than a message's send at 10 (profiled with
# bench/broadcast.py). A fan who unsubscribes after the chunk was read and before their
# message leaves (a fraction of a second) still gets it.
SEND_CHUNK = 50
NAME_MAX_LENGTH = 120
INSERT_CHUNK = 2000  # recipients inserted per statement when a broadcast starts
CAPPED_DETAIL = "Skipped: the fan reached the frequency cap."
OPEN_STATUSES = (BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED)
# Outbox states still to be settled for a broadcast (deferred, or claimed and in doubt).
UNSETTLED = (MessageStatus.PENDING, MessageStatus.SENDING)


def key(broadcast_id: int, fan_id: int) -> str:
    return f"broadcast:{broadcast_id}:{fan_id}"


# --- writes ------------------------------------------------------------------------------


def _check(workspace: Workspace, name: Any, segment: Segment, template: EmailTemplate) -> str:
    text = str(name or "").strip()
    if not text:
        raise ValidationError({"name": "Give the broadcast a name."})
    if len(text) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"A name has at most {NAME_MAX_LENGTH} characters."})
    if segment.workspace_id != workspace.pk:
        raise ValidationError({"segment": "Choose a segment of this workspace."})
    if template.workspace_id != workspace.pk:
        raise ValidationError({"template": "Choose an email template of this workspace."})
    return text


@transaction.atomic
def create_broadcast(
    workspace: Workspace,
    *,
    name: str,
    segment: Segment,
    template: EmailTemplate,
    created_by: User | None = None,
) -> Broadcast:
    """A DRAFT broadcast of ``template`` to ``segment``."""
    return Broadcast.objects.create(
        workspace=workspace,
        name=_check(workspace, name, segment, template),
        segment=segment,
        template=template,
        created_by=created_by,
    )


@transaction.atomic
def schedule_broadcast(broadcast: Broadcast, send_at: dt.datetime | None = None) -> Broadcast:
    """Send at ``send_at`` (None: now). Only a draft or a scheduled broadcast; a time in
    the past means now."""
    now = timezone.now()
    when = max(send_at or now, now)
    changed = Broadcast.objects.filter(pk=broadcast.pk, status__in=OPEN_STATUSES).update(
        status=BroadcastStatus.SCHEDULED, send_at=when, updated=now
    )
    if not changed:
        raise ValidationError(
            "This broadcast has started or was cancelled: it cannot be scheduled."
        )
    broadcast.refresh_from_db()
    return broadcast


@transaction.atomic
def cancel_broadcast(broadcast: Broadcast) -> Broadcast:
    """Cancel a draft or scheduled broadcast; once it has started it cannot be."""
    changed = Broadcast.objects.filter(pk=broadcast.pk, status__in=OPEN_STATUSES).update(
        status=BroadcastStatus.CANCELLED, updated=timezone.now()
    )
    if not changed:
        raise ValidationError("This broadcast has started or was cancelled already.")
    broadcast.refresh_from_db()
    return broadcast


def send_test(broadcast: Broadcast, *, to: str) -> OutboundMessage:
    """The broadcast's email to a member's own address (messaging's test send: inert
    links, rate limited, no fan event)."""
    if broadcast.template is None:
        raise ValidationError("The broadcast's email template was deleted.")
    return sending.send_test_email(broadcast.template, to=to)


def broadcasts_sending(template: EmailTemplate) -> list[str]:
    """What keeps ``template`` (registered with ``messaging.email_templates``): the
    broadcasts of it not yet finished (a finished one keeps its stats without it)."""
    names = Broadcast.objects.filter(
        template=template, status__in=(*OPEN_STATUSES, BroadcastStatus.SENDING)
    ).values_list("name", flat=True)
    return [f"the broadcast {name}" for name in names]


# --- sending ------------------------------------------------------------------------------


def _start(broadcast_id: int, now: dt.datetime) -> bool:
    """SCHEDULED → SENDING with the audience fixed, in one transaction; False when it was
    not (still) due."""
    with transaction.atomic():
        changed = Broadcast.objects.filter(
            pk=broadcast_id,
            status=BroadcastStatus.SCHEDULED,
            send_at__lte=now,
            template__isnull=False,
        ).update(status=BroadcastStatus.SENDING, started_at=now, updated=now)
        if not changed:
            return False
        broadcast = Broadcast.objects.select_related("segment", "segment__workspace").get(
            pk=broadcast_id
        )
        fan_ids = segments.members(broadcast.segment).order_by("pk").values_list("pk", flat=True)
        total = 0
        chunk: list[BroadcastRecipient] = []
        for fan_id in fan_ids.iterator(INSERT_CHUNK):
            chunk.append(BroadcastRecipient(broadcast_id=broadcast_id, fan_id=fan_id))
            if len(chunk) >= INSERT_CHUNK:
                total += len(BroadcastRecipient.objects.bulk_create(chunk))
                chunk = []
        total += len(BroadcastRecipient.objects.bulk_create(chunk))
        Broadcast.objects.filter(pk=broadcast_id).update(audience=total)
    return True


def start_due(now: dt.datetime | None = None) -> list[int]:
    """Start every scheduled broadcast whose time has come; their ids. One whose template
    was deleted meanwhile (with its artist) is cancelled instead."""
    now = now or timezone.now()
    Broadcast.objects.filter(
        status=BroadcastStatus.SCHEDULED, send_at__lte=now, template__isnull=True
    ).update(status=BroadcastStatus.CANCELLED, updated=now)
    due = Broadcast.objects.filter(status=BroadcastStatus.SCHEDULED, send_at__lte=now)
    return [
        pk for pk in due.order_by("send_at", "pk").values_list("pk", flat=True) if _start(pk, now)
    ]


def _due(now: dt.datetime) -> Q:
    """Recipients to (re)try now: never tried, deferred until now, or left claimed."""
    return (
        Q(message__isnull=True)
        | Q(message__status=MessageStatus.PENDING, message__retry_at__isnull=True)
        | Q(message__status=MessageStatus.PENDING, message__retry_at__lte=now)
        | Q(message__status=MessageStatus.SENDING)
    )


_LINK = 'UPDATE {table} SET {column} = %s WHERE "id" = %s'


def _link(pairs: list[tuple[int, int]]) -> None:
    """Set each recipient's outbox row, (message id, recipient id) pairs: one prepared
    UPDATE run for the batch (the ORM's ``bulk_update`` builds a CASE of every row, which
    cost more than the batch's sends' bookkeeping)."""
    if not pairs:
        return
    ops = connection.ops
    sql = _LINK.format(
        table=ops.quote_name(BroadcastRecipient._meta.db_table),
        column=ops.quote_name(BroadcastRecipient._meta.get_field("message").column),
    )
    with connection.cursor() as cursor:
        if len(pairs) == 1:
            cursor.execute(sql, pairs[0])
        else:
            cursor.executemany(sql, pairs)


@dataclass(frozen=True)
class Batch:
    """What one step did: ``tried`` recipients; ``left`` not settled yet (``MORE``: not
    counted, the first pass goes on); ``wait_s`` until the earliest deferred one is due
    (0: go on now); ``cursor`` for the next step (see ``send_batch``)."""

    tried: int
    left: int
    wait_s: float
    cursor: int = 0


MORE = -1  # ``Batch.left`` while the first pass has recipients after its cursor
RETRIES = -1  # ``Batch.cursor`` once the first pass is over: retry the unsettled ones


def parts(broadcast_id: int) -> list[tuple[int, int]]:
    """The audience of a started broadcast cut into parts of ``PART_SIZE`` recipients:
    (first, last) recipient ids of each, in id order; one part (0, 0), everyone, for an
    empty audience (its workflow marks the broadcast sent)."""
    ids = list(
        BroadcastRecipient.objects.filter(broadcast_id=broadcast_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = max(1, PART_SIZE)
    found = [(ids[n], ids[min(n + size, len(ids)) - 1]) for n in range(0, len(ids), size)]
    return found or [(0, 0)]


def _part(
    rows: QuerySet[BroadcastRecipient], shard: int, shards: int, first: int, last: int
) -> QuerySet[BroadcastRecipient]:
    """The recipients with ids ``first`` to ``last`` (0: no bound), of part ``shard`` of
    ``shards`` by id modulo (how a broadcast started before parts by id range was cut;
    its workflows recover with it), or all."""
    if first:
        rows = rows.filter(pk__gte=first)
    if last:
        rows = rows.filter(pk__lte=last)
    if shards <= 1:
        return rows
    return rows.alias(part=Mod("pk", shards)).filter(part=shard)


def send_batch(
    broadcast_id: int,
    now: dt.datetime | None = None,
    cursor: int = 0,
    shard: int = 0,
    shards: int = 1,
    first: int = 0,
    last: int = 0,
) -> Batch:
    """Send the next ``BATCH_SIZE`` recipients of the part with ids ``first`` to ``last``
    (``parts``; 0: no bound) of a SENDING broadcast (outside a transaction: the pipeline
    commits each claim before the message leaves). ``shard`` of ``shards``: a part by id
    modulo, as broadcasts started before the parts by id range were cut.

    The first pass takes the recipients in id order after ``cursor`` (the last id the
    step before took), so each step reads only its own rows however large the audience.
    When it reaches the end (``cursor`` = ``RETRIES`` from then on), steps take the
    recipients still unsettled (deferred by quiet hours or the mail server, or never
    recorded) whose time has come; ``left`` and ``wait_s`` say when the broadcast is done
    or when to look again."""
    now = now or timezone.now()
    broadcast = Broadcast.objects.select_related("template", "template__artist").get(
        pk=broadcast_id
    )
    if broadcast.status != BroadcastStatus.SENDING:
        return Batch(0, 0, 0.0, RETRIES)
    if broadcast.template is None:  # deleted with its artist mid-send: stop here
        Broadcast.objects.filter(pk=broadcast.pk, status=BroadcastStatus.SENDING).update(
            status=BroadcastStatus.CANCELLED, finished_at=now, updated=now
        )
        return Batch(0, 0, 0.0, RETRIES)
    template = broadcast.template
    rows = _part(BroadcastRecipient.objects.filter(broadcast=broadcast), shard, shards, first, last)
    picked = rows.filter(pk__gt=cursor) if cursor != RETRIES else rows.filter(_due(now))
    recipients = list(picked.select_related("fan", "fan__workspace").order_by("pk")[:BATCH_SIZE])
    down: dt.datetime | None = None
    if recipients:
        requests = [
            sending.EmailRequest(r.fan, template, key(broadcast.pk, r.fan_id)) for r in recipients
        ]
        outcomes = sending.send_emails(requests, now=now, chunk=SEND_CHUNK)
        down = min(
            (o.retry_at for o in outcomes.values() if o.mail_down and o.retry_at), default=None
        )
        capped = [k for k, o in outcomes.items() if o.status == MessageStatus.CAPPED]
        if capped:
            sending.settle_pending(capped, MessageStatus.CAPPED, CAPPED_DETAIL)
        linked = []
        for recipient in recipients:
            outcome = outcomes.get(key(broadcast.pk, recipient.fan_id))
            if outcome is not None and outcome.message is not None and outcome.message.pk:
                if recipient.message_id != outcome.message.pk:
                    linked.append((outcome.message.pk, recipient.pk))
        _link(linked)
    if cursor != RETRIES and len(recipients) == BATCH_SIZE:
        wait = (down - timezone.now()).total_seconds() if down else 0.0
        return Batch(len(recipients), MORE, max(0.0, min(wait, MAX_SLEEP_S)), recipients[-1].pk)
    open_rows = rows.filter(Q(message__isnull=True) | Q(message__status__in=UNSETTLED))
    left = open_rows.count()
    if not left:
        return Batch(len(recipients), 0, 0.0, RETRIES)
    if down is None and open_rows.filter(_due(timezone.now())).exists():
        return Batch(len(recipients), left, 0.0, RETRIES)
    earliest = down or (
        open_rows.filter(message__retry_at__isnull=False)
        .order_by("message__retry_at")
        .values_list("message__retry_at", flat=True)
        .first()
    )
    wait = (earliest - timezone.now()).total_seconds() if earliest else MAX_SLEEP_S
    return Batch(len(recipients), left, max(0.5, min(wait, MAX_SLEEP_S)), RETRIES)


def finish(broadcast_id: int) -> bool:
    """SENDING → SENT once every recipient is settled (every part: the last part to end
    marks it); False while a part still has recipients to settle."""
    now = timezone.now()
    open_rows = BroadcastRecipient.objects.filter(broadcast_id=broadcast_id).filter(
        Q(message__isnull=True) | Q(message__status__in=UNSETTLED)
    )
    if open_rows.exists():
        return False
    return bool(
        Broadcast.objects.filter(pk=broadcast_id, status=BroadcastStatus.SENDING).update(
            status=BroadcastStatus.SENT, finished_at=now, updated=now
        )
    )


def run(broadcast_id: int, *, now: dt.datetime | None = None, max_steps: int = 10_000) -> Batch:
    """Start (when due) and send in this thread until nothing is due now; the last batch."""
    _start(broadcast_id, now or timezone.now())
    batch = Batch(0, 0, 0.0)
    for _ in range(max_steps):
        batch = send_batch(broadcast_id, now, batch.cursor)
        if batch.left == 0:
            finish(broadcast_id)
            break
        if batch.wait_s > 0:
            break
    return batch


# --- progress and stats ---------------------------------------------------------------------

SKIP_REASONS: dict[str, str] = {
    MessageStatus.NO_CONSENT: "no email consent (or no address)",
    MessageStatus.SUPPRESSED: "suppressed (unsubscribed, bounced, complained)",
    MessageStatus.CAPPED: "frequency cap",
    MessageStatus.FAILED: "failed",
    MessageStatus.UNCERTAIN: "in doubt (worker stopped while handing it over)",
}


@dataclass
class Stats:
    audience: int = 0
    sent: int = 0
    waiting: int = 0  # not tried yet, or deferred (quiet hours, the mail server down)
    skipped: dict[str, int] = field(default_factory=dict)  # by MessageStatus value
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0

    @property
    def done(self) -> int:
        return self.audience - self.waiting

    @property
    def percent(self) -> int:
        return 100 if not self.audience else int(100 * self.done / self.audience)


def stats(broadcast: Broadcast) -> Stats:
    """Progress and outcomes of ``broadcast``, in four queries. ``unsubscribed``: fans of
    the audience who unsubscribed after it started."""
    rows = BroadcastRecipient.objects.filter(broadcast=broadcast)
    found = Stats(audience=broadcast.audience)
    for status, n in rows.values_list("message__status").annotate(n=Count("pk")).order_by():
        if status == MessageStatus.SENT:
            found.sent += n
        elif status is None or status in UNSETTLED:
            found.waiting += n
        else:
            found.skipped[str(status)] = found.skipped.get(str(status), 0) + n
    counts = rows.aggregate(
        opened=Count("pk", filter=Q(message__opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(message__clicked_at__isnull=False)),
    )
    found.opened, found.clicked = counts["opened"], counts["clicked"]
    if broadcast.started_at is not None:
        left = FanEvent.objects.filter(
            fan=OuterRef("fan"),
            kind=FanEventKind.UNSUBSCRIBED,
            created__gte=broadcast.started_at,
        )
        found.unsubscribed = rows.filter(Exists(left)).count()
    return found
