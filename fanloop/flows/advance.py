"""Claiming due journeys and running their steps, a batch at a time.

A journey is due when it is ACTIVE, or WAITING with ``due_at`` in the past, and its flow is
active (a paused flow's journeys stay where they are). ``claim_due`` marks up to a batch of
them with a token (``claimed_by`` / ``claimed_at``, a conditional UPDATE, so two workers
never take the same journey); a claim older than ``CLAIM_TIMEOUT_SECONDS`` (its worker
died) can be taken again. ``advance_batch`` runs each claimed journey until it waits or
ends, and writes the journeys it ran with their step log rows a few at a time (every
``WRITE_EVERY`` journeys or ``WRITE_EVERY_S`` seconds), in one transaction, each only if
the claim is still its own (a goal or an unsubscribe that closed the journey meanwhile
wins).

Side effects are idempotent by step: the email step's outbox key is
``journey:<id>:step:<index>``, so a batch re-run after a crash between the send and the
journey write finds the recorded outcome and never sends twice; events and tags have
keys of their own; webhooks carry the same idempotency key on every attempt.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.flows import actions_api, conditions, steps, webhooks_out
from fanloop.flows.intake import FAN_TRIGGERS, matches
from fanloop.flows.models import (
    OPEN_JOURNEY_STATES,
    FanTag,
    Flow,
    FlowStatus,
    FlowVersion,
    Journey,
    JourneyState,
    JourneyStep,
    StepOutcome,
)
from fanloop.flows.steps import format_duration, step_index
from fanloop.flows.warnings import is_follow_prompt
from fanloop.lib.bulk import copy_rows
from fanloop.messaging import sending
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.quiet_hours import fan_time_zone
from fanloop.messaging.sending import MAIL_DOWN, EmailRequest, SendOutcome, read_outbox, send_emails

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # transient failures of an API or webhook step before it is given up
MAX_ERRORS = 3  # unexpected errors of one journey before it is marked failed
RETRY_BASE_S = 60
# Journeys run but not yet written are written together once there are this many, or
# this long after the last write: fewer commits, and a batch stopped midway re-runs (with
# its idempotent side effects) only what ran since.
WRITE_EVERY = 50
WRITE_EVERY_S = 1.0
# Journeys per batch workflow (one SMTP connection per batch; emails go out in chunks of
# messaging's SEND_CHUNK). bench/flows.py measures throughput by batch size (--batch).
BATCH_SIZE = 200
# Claimed batches not yet finished, across all workers, before a tick claims more. Not
# measured; chosen as twice one worker's engine.WORKER_CONCURRENCY, so the next batches
# wait claimed while the current ones run.
MAX_BATCHES_IN_FLIGHT = 8
# A claim older than this (its worker died mid-batch) lets another worker take the
# journeys. Not measured; chosen far above a batch's run time (seconds) so no live claim
# is taken.
CLAIM_TIMEOUT_SECONDS = 600
# Events that describe a state rather than a moment: a wait for one passes at once when
# it already happened (a fan who pre-saved after the release went live).
STATE_EVENTS = frozenset({FanEventKind.RELEASE_LIVE})

# Test seam: called right after a chunk of email steps' sends return, before their journeys
# are written (the crash test makes it kill the process there).
after_send: Callable[[], None] | None = None


def wait_scale() -> float:
    return max(float(steps.WAIT_SCALE), 0.0)


def scaled(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds * wait_scale())


def next_time_of_day(hhmm: str, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The next ``hhmm`` in ``zone`` strictly after ``now`` (an aware UTC datetime)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = now.astimezone(zone)
    target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= local:
        target = (local + dt.timedelta(days=1)).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
    return target.astimezone(dt.UTC)


# --- claims ---------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    expired = now - dt.timedelta(seconds=CLAIM_TIMEOUT_SECONDS)
    return Q(claimed_by="") | Q(claimed_at__lt=expired)


def due_journeys(now: dt.datetime, clock: dt.datetime) -> QuerySet[Journey, int]:
    """The ids of the journeys due at ``now`` that can be claimed at ``clock``, in due order.

    They come in order off the ``journey_due_at`` index: a claim reads the first batch of
    them, not a sort of every due journey. The journeys of flows not active (paused) are
    left out by flow id: a join on the flow's status, or a list of the active flows,
    makes PostgreSQL or SQLite plan that sort instead."""
    due = Journey.objects.filter(state__in=OPEN_JOURNEY_STATES, due_at__lte=now)
    idle = list(Flow.objects.exclude(status=FlowStatus.ACTIVE).values_list("pk", flat=True))
    if idle:
        due = due.exclude(flow_id__in=idle)
    return due.filter(_claimable(clock)).order_by("due_at").values_list("pk", flat=True)


def claim_due(*, now: dt.datetime | None = None) -> list[tuple[str, list[int]]]:
    """Claim due journeys in batches of ``BATCH_SIZE``: [(token, journey ids)], at most
    as many batches as leave ``MAX_BATCHES_IN_FLIGHT`` in flight across workers."""
    now = now or timezone.now()
    clock = timezone.now()
    size = max(1, BATCH_SIZE)
    expired = clock - dt.timedelta(seconds=CLAIM_TIMEOUT_SECONDS)
    in_flight = Journey.objects.exclude(claimed_by="").filter(claimed_at__gte=expired).count()
    room = MAX_BATCHES_IN_FLIGHT - math.ceil(in_flight / size)
    batches: list[tuple[str, list[int]]] = []
    if room <= 0:
        return batches
    due = due_journeys(now, clock)
    for _ in range(room):
        ids = list(due[:size])
        if not ids:
            break
        token = f"flows-batch-{uuid.uuid4().hex}"
        Journey.objects.filter(pk__in=ids).filter(_claimable(clock)).update(
            claimed_by=token, claimed_at=clock
        )
        claimed = _claimed_by(ids, token)
        if claimed:
            batches.append((token, claimed))
        if len(ids) < size:
            break
    return batches


def _claimed_by(ids: list[int], token: str, *, lock: bool = False) -> list[int]:
    """Those of ``ids`` claimed by ``token`` (and open, with ``lock``: locked FOR UPDATE).

    Read by primary key alone, the token and state compared here: with them in the
    query, PostgreSQL may plan a scan of another index on them (seen with stale
    statistics: every open journey's entry of a (state, due_at) index, 20-90 ms a call
    at a million journeys)."""
    rows = Journey.objects.filter(pk__in=ids)
    if lock:
        rows = rows.select_for_update()
    return [
        pk
        for pk, claimed_by, state in rows.values_list("pk", "claimed_by", "state")
        if claimed_by == token and (not lock or state in OPEN_JOURNEY_STATES)
    ]


# --- running journeys -----------------------------------------------------------------


@dataclass
class BatchReport:
    journeys: int = 0
    steps: int = 0
    sent: int = 0
    lost_claims: int = 0
    errors: int = 0


@dataclass
class BatchShared:
    """What every journey of one batch shares: the time, templates, the outbox rows of its
    email steps' keys (read up front), one SMTP connection, and the outcomes of the
    emails sent for its journeys, by outbox key, until each journey takes its own.
    ``mail_down_until``: a temporary mail error stopped the batch's sending; its other
    emails wait until then without being tried."""

    token: str
    now: dt.datetime
    templates: dict[int, EmailTemplate] = field(default_factory=dict)
    outbox: dict[str, OutboundMessage] = field(default_factory=dict)
    outcomes: dict[str, SendOutcome] = field(default_factory=dict)
    mail_down_until: dt.datetime | None = None
    _mail: BaseEmailBackend | None = None

    @functools.cached_property
    def stamp(self) -> Any:
        """``now`` as the database takes it: the step log's ``created``, adapted once."""
        return connection.ops.adapt_datetimefield_value(self.now)

    def mail(self) -> BaseEmailBackend:
        """The batch's mail connection, opened by the first send (``send_emails``: an
        error opening it is a send's temporary error, not the batch's)."""
        if self._mail is None:
            self._mail = get_connection()
        return self._mail

    def close(self) -> None:
        if self._mail is not None:
            self._mail.close()
            self._mail = None


class LogRow(NamedTuple):
    """A ``JourneyStep`` row to write (``copy_rows``): a tuple, not a model instance, with
    the time already in the database's form; written a few hundred at a time."""

    journey_id: int
    version_id: int
    step_index: int
    step_id: str
    outcome: str
    detail: str
    created: Any


class Run:
    """One journey being advanced: its new state and the log rows to write."""

    def __init__(self, journey: Journey, batch: BatchShared) -> None:
        self.journey = journey
        self.batch = batch
        self.now = batch.now
        self.steps: list[dict[str, Any]] = list(journey.version.steps)
        self.logs: list[LogRow] = []
        self.sent = 0
        # Stopped at an email step: the batch sends its email with others' (``send_emails``
        # for a chunk), then calls ``advance`` again.
        self.sending = False

    def advance(self) -> None:
        """Run steps until the journey waits, ends or stops to have its email sent."""
        journey = self.journey
        journey.state = JourneyState.ACTIVE
        self.sending = False
        for _ in range(len(self.steps) + 2):
            if journey.step_index >= len(self.steps):
                self.finish(JourneyState.COMPLETED)
                break
            self.enter()
            if not RUNNERS[self.step["type"]](self):
                break

    def email_request(self) -> EmailRequest:
        """The email of the step the journey stopped at (``sending``)."""
        journey = self.journey
        return EmailRequest(
            fan=journey.fan,
            template=self.batch.templates[int(self.step["template"])],
            key=email_key(journey.pk, journey.step_index),
            release=journey.release,
            dry_run=journey.flow.dry_run,
        )

    @property
    def step(self) -> dict[str, Any]:
        return self.steps[self.journey.step_index]

    def log(self, outcome: StepOutcome, detail: str = "", index: int | None = None) -> None:
        index = self.journey.step_index if index is None else index
        self.logs.append(
            LogRow(
                self.journey.pk,
                self.journey.version_id,
                index,
                str(self.steps[index].get("id", index)),
                outcome.value,
                detail[:300],
                self.batch.stamp,
            )
        )

    def enter(self) -> None:
        """Log ENTERED the first time the journey reaches its current step."""
        index = self.journey.step_index
        if int(self.journey.context.get("entered", -1)) < index:
            self.journey.context["entered"] = index
            self.log(StepOutcome.ENTERED)

    def go_to(self, index: int) -> None:
        journey = self.journey
        journey.step_index = index
        journey.wait_since = None
        journey.wait_event = ""
        journey.due_at = self.now
        journey.context.pop("attempts", None)

    def wait_until(self, due: dt.datetime, detail: str, *, event: str = "") -> None:
        journey = self.journey
        journey.state = JourneyState.WAITING
        journey.due_at = due
        journey.wait_event = event
        self.log(StepOutcome.WAITING, detail)

    def finish(self, state: JourneyState) -> None:
        self.journey.state = state
        self.journey.finished = self.now
        self.journey.due_at = None
        self.journey.wait_event = ""

    def retry_later(self, detail: str, retry_after_s: float | None) -> bool:
        """A transient failure: wait and re-run the step, or give up after MAX_ATTEMPTS."""
        attempts = int(self.journey.context.get("attempts", 0)) + 1
        if attempts >= MAX_ATTEMPTS:
            self.log(StepOutcome.FAILED, f"gave up after {attempts} attempts: {detail}")
            self.go_to(self.journey.step_index + 1)
            return True
        self.journey.context["attempts"] = attempts
        delay = max(retry_after_s or 0, RETRY_BASE_S * 2 ** (attempts - 1))
        self.wait_until(self.now + dt.timedelta(seconds=delay), f"will retry: {detail}")
        return False


def _subject(journey: Journey) -> conditions.Subject:
    release = journey.release
    artist = release.artist if release is not None else journey.flow.artist
    return conditions.Subject(
        fan=journey.fan, release=release, artist=artist, flow_id=journey.flow_id
    )


def _run_wait(run: Run) -> bool:
    journey, step, now = run.journey, run.step, run.now
    if journey.wait_since is None:
        journey.wait_since = now
        if "duration_s" in step:
            due = now + scaled(step["duration_s"])
            run.wait_until(due, f"waiting {format_duration(int(step['duration_s']))}")
        elif "until_time" in step:
            target = next_time_of_day(step["until_time"], fan_time_zone(journey.fan), now)
            due = now + (target - now) * wait_scale()
            run.wait_until(due, f"waiting until {step['until_time']} in the fan's time zone")
        else:
            event = str(step["event"])
            if _already_happened(journey, event):
                run.log(StepOutcome.PASSED, f"{event} had already happened")
                run.go_to(journey.step_index + 1)
                return True
            due = now + scaled(step["timeout_s"])
            run.wait_until(due, f"waiting for {event}", event=event)
        return False
    if "event" in step:
        if journey.wait_event and journey.due_at is not None and journey.due_at > now:
            journey.state = JourneyState.WAITING
            return False
        detail = "timed out" if journey.wait_event else f"{step['event']} happened"
    else:
        if journey.due_at is not None and journey.due_at > now:
            journey.state = JourneyState.WAITING
            return False
        detail = "waited"
    run.log(StepOutcome.PASSED, detail)
    run.go_to(journey.step_index + 1)
    return True


def _already_happened(journey: Journey, kind: str) -> bool:
    events = FanEvent.objects.filter(fan_id=journey.fan_id, kind=kind)
    if kind not in STATE_EVENTS:
        events = events.filter(created__gte=journey.started)
    if kind in FAN_TRIGGERS:
        events = events.filter(actor=Actor.FAN)  # as intake.by_the_fan
    rows = events.values("id", "kind", "artist_id", "release_id", "release__artist_id")
    return any(matches(journey, dict(row)) for row in rows[:50])


def _run_condition(run: Run) -> bool:
    journey, step = run.journey, run.step
    met, why = conditions.evaluate(step, _subject(journey))
    if met:
        run.log(StepOutcome.PASSED, f"met: {why}")
        run.go_to(journey.step_index + 1)
        return True
    if_false = step.get("if_false", "exit")
    if if_false == "next":
        run.log(StepOutcome.PASSED, f"not met ({why}): skipped the next step")
        skipped = journey.step_index + 1
        if skipped < len(run.steps):
            run.log(StepOutcome.SKIPPED, "skipped: the condition before it was not met", skipped)
        run.go_to(skipped + 1)
        return True
    if isinstance(if_false, dict):
        target = step_index(run.steps, str(if_false.get("goto")))
        if target is not None and target > journey.step_index:
            run.log(StepOutcome.PASSED, f"not met ({why}): jumped to {if_false['goto']}")
            run.go_to(target)
            return True
    run.log(StepOutcome.LEFT, f"not met: {why}")
    run.finish(JourneyState.EXITED)
    return False


EMAIL_SKIPPED = {MessageStatus.SUPPRESSED, MessageStatus.NO_CONSENT, MessageStatus.DRY_RUN}


def email_key(journey_pk: int, index: int) -> str:
    """The outbox key of a journey's email step: at most one message per step, ever."""
    return f"journey:{journey_pk}:step:{index}"


def _outbox_rows(journeys: list[Journey]) -> dict[str, OutboundMessage]:
    """The outbox rows of the email steps the journeys may reach, by key."""
    keys = [
        email_key(journey.pk, index)
        for journey in journeys
        for index, step in enumerate(journey.version.steps)
        if index >= journey.step_index and step.get("type") == "email"
    ]
    return read_outbox(keys)


def _run_email(run: Run) -> bool:
    journey, step = run.journey, run.step
    template = run.batch.templates.get(int(step["template"]))
    if template is None:
        run.log(StepOutcome.FAILED, "the email template was deleted")
        run.go_to(journey.step_index + 1)
        return True
    outcome = run.batch.outcomes.pop(email_key(journey.pk, journey.step_index), None)
    if outcome is None and _follow_prompt_to_nobody(run, template):
        return True
    if outcome is None:  # not sent yet: the batch sends it with others, then resumes
        run.sending = True
        return False
    message = outcome.message
    detail = message.detail if message is not None else ""
    if outcome.retry_at is not None:
        capped = outcome.status == MessageStatus.CAPPED
        why = outcome.why or ("frequency cap" if capped else "quiet hours")
        run.wait_until(
            outcome.retry_at, f"deferred ({why}) until {outcome.retry_at:%Y-%m-%d %H:%M} UTC"
        )
        return False
    if outcome.status == MessageStatus.SENT:
        run.sent += 1
        run.log(StepOutcome.PASSED, f"sent “{message.subject if message else template.name}”")
    elif outcome.status in EMAIL_SKIPPED:
        run.log(StepOutcome.SKIPPED, detail or outcome.status.label)
    else:
        run.log(StepOutcome.FAILED, detail or outcome.status.label)
    run.go_to(journey.step_index + 1)
    return True


def _follow_prompt_to_nobody(run: Run, template: EmailTemplate) -> bool:
    """Skip an email asking to follow (its copy has the follow link) for a fan with no
    connection that can follow: its page would have nothing to offer. This holds in every
    flow, whatever conditions came before (and in journeys on older versions)."""
    step = {"type": "email", "template": template.pk}
    if not is_follow_prompt(step, {template.pk: template}):
        return False
    if conditions.follow_platforms(run.journey.fan):
        return False
    run.log(StepOutcome.SKIPPED, "no connection of the fan can follow")
    run.go_to(run.journey.step_index + 1)
    return True


def _run_tag(run: Run) -> bool:
    journey, tag = run.journey, str(run.step["tag"])
    if journey.flow.dry_run:
        run.log(StepOutcome.SKIPPED, f"dry run: would tag “{tag}”")
    else:
        row, created = FanTag.objects.get_or_create(fan_id=journey.fan_id, tag=tag)
        if created:
            record_fan_event(
                journey.fan,
                FanEventKind.JOINED_SEGMENT,
                key=f"tag:{row.pk}",
                actor=Actor.FANLOOP,
                release=journey.release,
                artist=journey.flow.artist,
                data={"tag": tag, "journey": journey.pk},
            )
        run.log(StepOutcome.PASSED, f"tagged “{tag}”" if created else f"already tagged “{tag}”")
    run.go_to(journey.step_index + 1)
    return True


def _run_api(run: Run) -> bool:
    journey, kind = run.journey, run.step["type"]
    what = "save the release" if kind == "api_save" else "follow the artist"
    if journey.flow.dry_run:
        run.log(StepOutcome.SKIPPED, f"dry run: would {what}")
        run.go_to(journey.step_index + 1)
        return True
    act = actions_api.save_release if kind == "api_save" else actions_api.follow_artist
    result = act(
        journey.fan, journey.release, key=f"journey:{journey.pk}:step:{journey.step_index}"
    )
    if result.status == actions_api.ApiStatus.RETRY:
        return run.retry_later(result.detail, result.retry_after_s)
    outcome = (
        StepOutcome.PASSED if result.status == actions_api.ApiStatus.DONE else StepOutcome.SKIPPED
    )
    run.log(outcome, result.detail)
    run.go_to(journey.step_index + 1)
    return True


def webhook_payload(journey: Journey, step: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    fan, release = journey.fan, journey.release
    return {
        "type": "flow.step",
        "at": now.isoformat(),
        "flow": {
            "id": journey.flow_id,
            "name": journey.flow.name,
            "version": journey.version.number,
        },
        "step": step.get("id"),
        "journey": journey.pk,
        "fan": {"id": fan.pk, "email": fan.email, "name": fan.display_name, "country": fan.country},
        "release": (
            {"id": release.pk, "title": release.title, "artist": release.artist.name}
            if release is not None
            else None
        ),
    }


def _run_webhook(run: Run) -> bool:
    journey, step = run.journey, run.step
    if journey.flow.dry_run:
        run.log(StepOutcome.SKIPPED, "dry run: webhook not called")
        run.go_to(journey.step_index + 1)
        return True
    result = webhooks_out.post_webhook(
        str(step["url"]),
        webhook_payload(journey, step, run.now),
        key=f"journey:{journey.pk}:step:{journey.step_index}",
    )
    if result.retry:
        return run.retry_later(result.detail, None)
    run.log(StepOutcome.PASSED if result.ok else StepOutcome.FAILED, result.detail)
    run.go_to(journey.step_index + 1)
    return True


RUNNERS: dict[str, Callable[[Run], bool]] = {
    "wait": _run_wait,
    "condition": _run_condition,
    "email": _run_email,
    "tag": _run_tag,
    "api_save": _run_api,
    "api_follow": _run_api,
    "webhook": _run_webhook,
}


def run_journey(journey: Journey, batch: BatchShared) -> Run:
    """Advance ``journey`` in memory (side effects done) until it waits, ends or stops at an
    email step (``run.sending``: ``send_pending`` sends it and runs the journey on)."""
    run = Run(journey, batch)
    run.advance()
    return run


def send_pending(runs: list[Run], batch: BatchShared) -> None:
    """Send the emails the runs stopped at, together (``send_emails``); the outcomes wait
    in ``batch.outcomes`` for the runs to take when they advance again."""
    requests = [run.email_request() for run in runs]
    down = batch.mail_down_until
    if down is not None:
        outcomes = {
            r.key: SendOutcome(MessageStatus.PENDING, batch.outbox.get(r.key), down, MAIL_DOWN)
            for r in requests
        }
    else:
        outcomes = send_emails(
            requests, connection=batch.mail(), now=batch.now, outbox=batch.outbox
        )
        batch.mail_down_until = next((o.retry_at for o in outcomes.values() if o.mail_down), None)
    batch.outcomes.update(outcomes)
    if after_send is not None:
        after_send()


_WRITE_FIELDS = ("state", "step_index", "due_at", "wait_event", "wait_since", "context", "finished")


def _write(runs: list[Run], token: str) -> list[Run]:
    """Write the runs' journeys (releasing the claim) and step logs in one transaction:
    those still claimed by ``token`` and open only. Returns the runs written."""
    if not runs:
        return []
    with transaction.atomic():
        ours = set(_claimed_by([run.journey.pk for run in runs], token, lock=True))
        written = [run for run in runs if run.journey.pk in ours]
        # One UPDATE per distinct set of values: a batch's journeys mostly move alike.
        groups: dict[tuple[Any, ...], tuple[dict[str, Any], list[int]]] = {}
        for run in written:
            journey = run.journey
            values = {name: getattr(journey, name) for name in _WRITE_FIELDS}
            values["updated"] = run.now
            same = tuple(
                json.dumps(value, sort_keys=True) if name == "context" else value
                for name, value in values.items()
            )
            groups.setdefault(same, (values, []))[1].append(journey.pk)
        for values, pks in groups.values():
            Journey.objects.filter(pk__in=pks).update(**values, claimed_by="", claimed_at=None)
        copy_rows(JourneyStep, LogRow._fields, [row for run in written for row in run.logs])
    return written


def _record_error(journey: Journey, token: str, exc: Exception, now: dt.datetime) -> None:
    """An unexpected error: retry the journey a little later, fail it after MAX_ERRORS."""
    errors = int(journey.context.get("errors", 0)) + 1
    detail = f"{type(exc).__name__}: {exc}"[:300]
    fresh = Journey.objects.filter(pk=journey.pk, claimed_by=token).first()
    if fresh is None:
        return
    fresh.context = {**fresh.context, "errors": errors}
    if errors < MAX_ERRORS:
        fresh.due_at = now + dt.timedelta(seconds=RETRY_BASE_S * errors)
        state: JourneyState | None = None
    else:
        state = JourneyState.FAILED
    steps = fresh.version.steps
    index = min(fresh.step_index, max(len(steps) - 1, 0))
    with transaction.atomic():
        Journey.objects.filter(pk=fresh.pk, claimed_by=token).update(
            context=fresh.context,
            due_at=None if state else fresh.due_at,
            state=state or fresh.state,
            finished=now if state else None,
            claimed_by="",
            claimed_at=None,
        )
        if steps:
            JourneyStep.objects.create(
                journey_id=fresh.pk,
                version_id=fresh.version_id,
                step_index=index,
                step_id=str(steps[index].get("id", index)),
                outcome=StepOutcome.FAILED,
                detail=detail,
                created=now,
            )


def renew_claim(ids: list[int], token: str) -> int:
    """Give a batch that waited long in the queue (half the claim timeout) its whole
    timeout to run: its journeys' claims are renewed. A fresh claim is left as it is (a
    rewrite of every row, each with all its index entries). Returns the rows renewed."""
    clock = timezone.now()
    stale = clock - dt.timedelta(seconds=CLAIM_TIMEOUT_SECONDS / 2)
    claims = Journey.objects.filter(pk__in=ids, claimed_by=token, claimed_at__lt=stale)
    return claims.update(claimed_at=clock)


def _load(ids: list[int], token: str) -> list[Journey]:
    """The batch's journeys still claimed by ``token``, with their fans; the versions,
    flows, releases, artists and workspaces they share are read once each, not per row."""
    journeys = list(
        Journey.objects.filter(pk__in=ids, claimed_by=token).select_related("fan").order_by("pk")
    )
    versions = FlowVersion.objects.in_bulk({j.version_id for j in journeys})
    flows = Flow.objects.select_related("artist").in_bulk({j.flow_id for j in journeys})
    releases = Release.objects.select_related("artist").in_bulk(
        {j.release_id for j in journeys if j.release_id is not None}
    )
    workspaces = Workspace.objects.in_bulk({j.fan.workspace_id for j in journeys})
    for journey in journeys:
        journey.version = versions[journey.version_id]
        journey.flow = flows[journey.flow_id]
        journey.release = releases.get(journey.release_id) if journey.release_id else None
        journey.fan.workspace = workspaces[journey.fan.workspace_id]
    return journeys


def advance_batch(token: str, ids: list[int], *, now: dt.datetime | None = None) -> BatchReport:
    """Run every journey of a claimed batch; returns counts. Journeys whose claim was lost
    (taken over after a timeout, or closed by an event) are left alone."""
    now = now or timezone.now()
    report = BatchReport()
    renew_claim(ids, token)
    journeys = _load(ids, token)
    report.lost_claims = len(ids) - len(journeys)
    shared = _shared_by(journeys, token, now)
    progress = _Progress(token=token, now=now, shared=shared, report=report)
    try:
        for journey in journeys:
            report.journeys += 1
            if journey.flow.status != FlowStatus.ACTIVE:
                _unclaim(journey, token)
                continue
            progress.start(journey)
            if len(progress.sending) >= sending.SEND_CHUNK:
                progress.send_waiting()
            progress.write_if_due()
        progress.send_waiting()
        progress.write_ran()
    finally:
        shared.close()
    return report


def _shared_by(journeys: list[Journey], token: str, now: dt.datetime) -> BatchShared:
    """What the batch's journeys share: the templates of their email steps and the outbox
    rows of those steps' keys, each read in one query."""
    template_ids = {
        int(step["template"])
        for journey in journeys
        for step in journey.version.steps
        if step.get("type") == "email" and step.get("template") is not None
    }
    shared = BatchShared(token=token, now=now)
    shared.templates = EmailTemplate.objects.select_related("artist").in_bulk(list(template_ids))
    shared.outbox = _outbox_rows(journeys)
    return shared


def _unclaim(journey: Journey, token: str) -> None:
    """Hand back the claim of a journey whose flow is not active (paused): left as it is."""
    Journey.objects.filter(pk=journey.pk, claimed_by=token).update(claimed_by="", claimed_at=None)


@dataclass
class _Progress:
    """The journeys of one batch between their run and their write: ``ran`` wait to be
    written (``WRITE_EVERY`` of them, or ``WRITE_EVERY_S`` after the last write), and
    ``sending``, stopped at an email step, wait to be sent a chunk at a time. What is
    written, sent and failed is counted in ``report``."""

    token: str
    now: dt.datetime
    shared: BatchShared
    report: BatchReport
    ran: list[Run] = field(default_factory=list)
    sending: list[Run] = field(default_factory=list)
    written_at: float = field(default_factory=time.monotonic)

    def start(self, journey: Journey) -> None:
        """Run the journey until it waits, ends or reaches an email step."""
        try:
            self._place(run_journey(journey, self.shared))
        except Exception as exc:
            self._fail(journey, exc)

    def send_waiting(self) -> None:
        """Send the emails the waiting runs stopped at, then run each on; a run that stops
        at another email step waits again (until none does)."""
        while self.sending:
            runs = self.sending[:]
            self.sending.clear()
            try:
                send_pending(runs, self.shared)
            except Exception as exc:
                for run in runs:
                    self._fail(run.journey, exc)
                continue
            for run in runs:
                try:
                    run.advance()
                except Exception as exc:
                    self._fail(run.journey, exc)
                    continue
                self._place(run)

    def write_if_due(self) -> None:
        if len(self.ran) >= WRITE_EVERY or time.monotonic() - self.written_at >= WRITE_EVERY_S:
            self.write_ran()
            self.written_at = time.monotonic()

    def write_ran(self) -> None:
        """Write the runs that ran (those still claimed by this batch) and count them."""
        written = _write(self.ran, self.token)
        self.report.lost_claims += len(self.ran) - len(written)
        for run in written:
            self.report.steps += sum(1 for row in run.logs if row.outcome != StepOutcome.ENTERED)
            self.report.sent += run.sent
        self.ran.clear()

    def _place(self, run: Run) -> None:
        (self.sending if run.sending else self.ran).append(run)

    def _fail(self, journey: Journey, exc: Exception) -> None:
        log.error("journey %s failed at step %s", journey.pk, journey.step_index, exc_info=exc)
        self.report.errors += 1
        _record_error(journey, self.token, exc, self.now)
