"""One batch of deliveries, fan by fan: tokens, pacing, the platform write, the outcome.

A batch is the set of ``Delivery`` rows claimed (state SENDING) under one workflow id. A few
threads work through it side by side. For each fan: mark the row ``in_flight`` just before
its call, refresh the token when needed, save the album (+ tracks, + the artist when the fan
agreed to follow) in as few calls as the platform allows, then write the outcome and its
events as soon as the call returns, guarded by the row's current state, so replaying a batch
after a crash never writes twice. The marks and outcomes of the threads are group-committed
(``Ledger``): one transaction for whatever they hand in meanwhile, never more than one row
in flight per thread. On PostgreSQL each batch has its ledger; on SQLite, which writes one
transaction at a time, the batches of a process share one (``_write_planned``).

A row found ``in_flight`` was being written when a worker died (or its call got no answer):
when the fan allowed reads the platform is asked first (``contains``) and only what is
missing is saved; otherwise it is saved again (library writes are idempotent on every
platform, though the emulator then counts one duplicate per item that had landed) and the
row is flagged ``in_doubt``: maybe saved twice. Calls spent on such repeats add up in
``repeat_calls``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import httpx
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.utils import timezone

from fanloop.analytics.fan_events import (
    EVENT_COLUMNS,
    NewFanEvent,
    event_values,
    insert_statements,
    record_fan_events,
)
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.fans.oauth_tokens import REFRESH_MARGIN_S, fresh_tokens, mark_needs_reconnect
from fanloop.fulfillment.audience import can_follow
from fanloop.fulfillment.models import Delivery, DeliveryState, ReleasePlatform
from fanloop.fulfillment.pacer import Permits, Sleep, backoff_s
from fanloop.lib.db import recheck_connection
from fanloop.platforms.base import ItemRef, Platform, Tokens
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    TokenExpired,
)
from fanloop.platforms.http import delivery_clients
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import get_platform

_T = TypeVar("_T")
log = logging.getLogger(__name__)

CHUNK = 25  # rows loaded per query while working through a batch
# The columns a batch loads per fan: the delivery's and its connection's fields the call,
# the token check and the outcome's events read. Every other column (timestamps, JSON,
# the encrypted refresh token) cost a conversion per fan and was never read; a deferred
# one still loads on first use (a token refresh, a reconnect).
LOADED = (
    "release_id", "fan_id", "platform", "connection_id", "market", "source", "follow",
    "attempts", "in_flight",
    "connection__app_id", "connection__platform", "connection__scopes",
    "connection__access_token", "connection__token_expires_at", "connection__status",
    "connection__status_reason",
)  # fmt: skip
MAX_RATE_LIMITS = 20  # 429s one fan may meet in one batch before it is put back
# Not live in the fan's market yet: try again after this long (doubling, capped).
NOT_LIVE_RETRY_S = 60.0
NOT_LIVE_RETRY_CAP_S = 1800.0
REFRESH_MARGIN = dt.timedelta(seconds=REFRESH_MARGIN_S)
# Fans one batch calls at once (threads sharing the app's pacer): a slow or hung call holds
# up one thread, not the batch; after a crash at most this many fans per batch are called
# twice. Not measured on its own; chosen so one hung call holds up a quarter of a batch.
BATCH_THREADS = 4
# Seconds a call waits for the platform's answer before it is retried (in doubt). Not
# measured; chosen far above a healthy call's latency, so only a hung call hits it.
CALL_TIMEOUT_SECONDS = 5.0
# Tries per fan (server errors, timeouts, "not live yet") before a delivery fails. Not
# measured; chosen to ride out a few transient errors before a person has to look.
MAX_ATTEMPTS = 5


@dataclass
class Outcome:
    state: str
    reason: str = ""
    items: list[str] = field(default_factory=list)
    followed: bool = False
    retry_at: dt.datetime | None = None
    in_doubt: bool = False  # saved again without a read-back: maybe saved twice
    repeat_calls: int = 0  # calls spent repeating a call whose outcome was unknown


def items_for(delivery: Delivery, state: ReleasePlatform, scopes: frozenset[str]) -> list[ItemRef]:
    if not state.album_id:
        return []
    items = [ItemRef("album", state.album_id)]
    if state.include_tracks:
        items += [ItemRef("track", str(t)) for t in state.track_ids]
    if delivery.follow and can_follow(delivery.platform, scopes):
        artist_ids = [str(a) for a in state.artist_ids]
        if not artist_ids:
            # Prefetched with the release (``Fans._target``): no query per fan.
            own = platform_ids.artist_id(delivery.release.artist, delivery.platform)
            artist_ids = [own] if own else []
        items += [ItemRef("artist", a) for a in artist_ids]
    return items


# Outcomes handed in, each with the deliveries it is written on (``_grouped``).
_Groups = list[tuple[Outcome, list[Delivery]]]


@dataclass
class Target:
    """What one release needs on this platform: its state (ids) and the release (events)."""

    state: ReleasePlatform | None
    release: Release


@dataclass
class Tally:
    """What a fan's attempt spent on repeating calls whose outcome was unknown."""

    repeat_calls: int = 0
    unverified: bool = False  # items saved again without a read-back: maybe saved twice


def _taken_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass
class _Entry:
    """One thread's hand-in to the ledger: outcomes to write, a fan to mark in flight."""

    outcomes: list[tuple[Delivery, Outcome]]
    mark: Delivery | None
    owner: BatchRunner | None = None  # who handed it in (a process's ledger has many)
    kept: bool = False
    done: bool = False
    error: BaseException | None = None
    # Released (once) when the entry is written, or when its thread is to lead the next
    # write: a plain lock, taken at creation, is the cheapest wake-up there is (an
    # ``Event`` builds a condition and a waiter lock per wait).
    wake: threading.Lock = field(default_factory=_taken_lock)
    woken: bool = False

    def wake_up(self) -> None:
        """Let the entry's thread go on (only the current leader calls this)."""
        if not self.woken:
            self.woken = True
            self.wake.release()


class Ledger:
    """Group commit of one batch's bookkeeping (on SQLite: of every batch of the process).

    A thread hands in the outcome of the fan whose call just returned together with the
    fan it calls next, and waits until both are written: one of the waiting threads (the
    leader) writes everything handed in meanwhile in one transaction. So a fan is marked
    in flight only just before its own call, an outcome is written as soon as its call
    returns, and at any moment at most one row per thread is in flight: after a crash,
    only those fans may be called again.

    Each waiting thread sleeps on its own lock: a write wakes the threads it wrote for
    and, when more were handed in meanwhile, the first of them to lead the next write.
    (One shared condition woke every waiting thread after each write; with 16 threads a
    process, those wake-ups held the GIL for about a third of the ledger's time.)
    """

    def __init__(self, write: Callable[[list[_Entry]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._pending: list[_Entry] = []
        self._leading = False

    def commit(
        self,
        outcomes: list[tuple[Delivery, Outcome]],
        mark: Delivery | None,
        owner: BatchRunner | None = None,
    ) -> bool:
        """Write ``outcomes`` and mark ``mark`` in flight; False: ``mark`` is not ours."""
        entry = _Entry(outcomes, mark, owner)
        with self._lock:
            self._pending.append(entry)
            lead = not self._leading
            self._leading = True
        if not lead:
            entry.wake.acquire()  # written by another leader, or asked to lead
        if not entry.done:
            self._lead()
        if entry.error is not None:
            raise entry.error
        return entry.kept

    def _lead(self) -> None:
        """Write everything handed in so far, wake its threads, pass the lead on."""
        with self._lock:
            todo, self._pending = self._pending, []
        try:
            self._write(todo)
        except BaseException as exc:
            for item in todo:
                item.error = exc
        with self._lock:
            successor = self._pending[0] if self._pending else None
            self._leading = successor is not None
        for item in todo:
            item.done = True
            item.wake_up()
        if successor is not None:
            successor.wake_up()


class BatchRunner:
    """Works through the SENDING rows of one batch with one app's adapter and permits.

    ``BATCH_THREADS`` threads call the platform side by side (one fan each, paced
    by the app's shared gate, each on an HTTP client of its own), so one slow or hung call
    holds up one thread, not the batch.
    Their bookkeeping goes through a ``Ledger``: the batch's own on PostgreSQL, the
    process's on SQLite.
    """

    def __init__(self, app: PlatformApp, batch: str, sleep: Sleep = time.sleep) -> None:
        self.app = app
        self.batch = batch
        self.sleep = sleep
        # Each thread's adapter, over the client lent to that thread (``_work``).
        self.adapter: Callable[[httpx.Client], Platform] = partial(
            get_platform, app.platform, app.credentials()
        )
        self.permits = Permits(app, sleep)
        self.targets: dict[int, Target] = {}
        self.counts: Counter[str] = Counter()
        self.ledger = (
            _PROCESS_LEDGER
            if connections[DEFAULT_DB_ALIAS].vendor == "sqlite"
            else Ledger(self._write_entries)
        )
        self._lock = threading.Lock()
        self._queue: list[Delivery] = []
        self._last_pk = 0
        self._exhausted = False
        self._stop = threading.Event()
        self.remaining = 0  # fans of the batch not started yet (reservations ahead)

    def run(self) -> dict[str, int]:
        self.remaining = Delivery.objects.filter(
            batch=self.batch, state=DeliveryState.SENDING
        ).count()
        threads = max(1, min(BATCH_THREADS, self.remaining))
        if threads == 1:
            self._work(close=False)
            return dict(self.counts)
        errors: list[BaseException] = []
        pool = [
            threading.Thread(
                target=self._guarded, args=(errors,), name=f"{self.batch}-{i}", daemon=True
            )
            for i in range(threads)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        if errors:
            raise errors[0]
        return dict(self.counts)

    def _guarded(self, errors: list[BaseException]) -> None:
        try:
            self._work(close=True)
        except BaseException as exc:
            self._stop.set()  # the others finish their call and stop: the step is retried
            errors.append(exc)

    def _next(self) -> Delivery | None:
        with self._lock:
            if not self._queue and not self._exhausted and not self._stop.is_set():
                recheck_connection()
                self._queue = list(
                    Delivery.objects.filter(
                        batch=self.batch, state=DeliveryState.SENDING, pk__gt=self._last_pk
                    )
                    .select_related("connection")
                    # What a fan's call and its outcome read (``LOADED``); the rest, such
                    # as the refresh token decrypted only when a token needs a refresh
                    # (``_tokens``), loads on first use.
                    .only(*LOADED)
                    .order_by("pk")[:CHUNK]
                )
                if self._queue:
                    self._last_pk = self._queue[-1].pk
                else:
                    self._exhausted = True
            if not self._queue or self._stop.is_set():
                return None
            self.remaining = max(0, self.remaining - 1)
            return self._queue.pop(0)

    def _work(self, close: bool) -> None:
        """One thread: call fan after fan on a client of its own (``delivery_clients``),
        handing each outcome in as its call returns."""
        done: list[tuple[Delivery, Outcome]] = []
        try:
            with delivery_clients(CALL_TIMEOUT_SECONDS).lend() as client:
                platform = self.adapter(client)
                while (delivery := self._next()) is not None:
                    early = self._without_call(delivery)
                    if early is not None:
                        done.append((delivery, early))
                        continue
                    ours = self.ledger.commit(done, mark=delivery, owner=self)
                    done = []
                    if ours:
                        done.append((delivery, self._call(platform, delivery)))
            if done:
                self.ledger.commit(done, mark=None, owner=self)
        finally:
            if close:
                connections.close_all()  # this thread's own connections

    def _target(self, delivery: Delivery) -> Target:
        target = self.targets.get(delivery.release_id)
        if target is None:
            release = (
                Release.objects.select_related("artist")
                .prefetch_related("artist__platform_ids")
                .get(pk=delivery.release_id)
            )
            state = ReleasePlatform.objects.filter(
                release_id=delivery.release_id, platform=delivery.platform
            ).first()
            target = self.targets[delivery.release_id] = Target(state, release)
        delivery.release = target.release
        return target

    def _without_call(self, delivery: Delivery) -> Outcome | None:
        """The outcome of a fan who cannot be called (no connection, no album, revoked)."""
        connection = delivery.connection
        state = self._target(delivery).state
        if connection is None:
            return Outcome(DeliveryState.FAILED, "The fan disconnected this platform.")
        if state is None or not state.album_id:
            return Outcome(DeliveryState.FAILED, "The release has no album id on this platform.")
        if connection.status == ConnectionStatus.NEEDS_RECONNECT:
            return Outcome(DeliveryState.NEEDS_RECONNECT, connection.status_reason[:300])
        return None

    def _call(self, platform: Platform, delivery: Delivery) -> Outcome:
        connection = delivery.connection
        state = self._target(delivery).state
        assert connection is not None and state is not None
        if connection.app_id == self.app.pk:
            connection.app = self.app  # no query per fan (refreshes need the app)
        delivery.attempts += 1
        return self._attempt(platform, delivery, connection, state)

    def _attempt(
        self,
        platform: Platform,
        delivery: Delivery,
        connection: PlatformConnection,
        state: ReleasePlatform,
    ) -> Outcome:
        tally = Tally()
        outcome = self._attempt_write(platform, delivery, connection, state, tally)
        outcome.repeat_calls = tally.repeat_calls
        outcome.in_doubt = tally.unverified
        return outcome

    def _attempt_write(
        self,
        platform: Platform,
        delivery: Delivery,
        connection: PlatformConnection,
        state: ReleasePlatform,
        tally: Tally,
    ) -> Outcome:
        try:
            tokens = self._tokens(connection)
        except AccessRevoked as exc:
            return Outcome(DeliveryState.NEEDS_RECONNECT, str(exc)[:300])
        except PlatformError as exc:
            return self._retry_later(delivery, f"token refresh: {exc}")
        items = items_for(delivery, state, connection.scope_set)
        doubt = delivery.in_flight  # marked by an earlier run that did not record its outcome
        refreshed = False
        transient = 0
        limited = 0
        while True:
            try:
                saved = self._write(platform, tokens, connection.scope_set, items, doubt, tally)
                return Outcome(
                    DeliveryState.DELIVERED,
                    items=[f"{i.kind}:{i.id}" for i in items],
                    followed=any(i.kind == "artist" for i in items),
                    reason="" if saved else "already in the fan's library",
                )
            except RateLimited as exc:
                limited += 1
                if limited >= MAX_RATE_LIMITS:
                    return self._retry_later(delivery, str(exc), count=False)
                self.permits.rate_limited(exc.retry_after)
            except TokenExpired as exc:
                if refreshed:
                    mark_needs_reconnect(connection, str(exc))
                    return Outcome(DeliveryState.NEEDS_RECONNECT, str(exc)[:300])
                refreshed = True
                try:
                    connection.token_expires_at = timezone.now()  # force a refresh
                    tokens = fresh_tokens(connection)
                except AccessRevoked as revoked:
                    return Outcome(DeliveryState.NEEDS_RECONNECT, str(revoked)[:300])
                except PlatformError as failed:
                    return self._retry_later(delivery, f"token refresh: {failed}")
            except AccessRevoked as exc:
                mark_needs_reconnect(connection, str(exc))
                return Outcome(DeliveryState.NEEDS_RECONNECT, str(exc)[:300])
            except NotFound as exc:
                market = delivery.market or "the fan's market"
                return self._retry_later(delivery, f"not live yet in {market}: {exc}")
            except (PermissionDenied, BadRequest) as exc:
                return Outcome(DeliveryState.FAILED, str(exc)[:300])
            except PlatformError as exc:  # TransientError, unexpected statuses
                doubt = True  # a write that timed out may still have landed
                transient += 1
                if transient >= MAX_ATTEMPTS:
                    return Outcome(
                        DeliveryState.FAILED, f"gave up after {transient} tries: {exc}"[:300]
                    )
                self.sleep(backoff_s(transient))

    def _tokens(self, connection: PlatformConnection) -> Tokens:
        """The fan's tokens: the stored access token while it is good for a while, else
        ``fresh_tokens`` (which loads the refresh token, deferred until then)."""
        access = connection.access_token
        expires = connection.token_expires_at
        if (
            access
            and connection.status != ConnectionStatus.NEEDS_RECONNECT
            and (expires is None or expires - timezone.now() > REFRESH_MARGIN)
        ):
            return Tokens(access, None, expires, connection.scope_set)
        return fresh_tokens(connection)

    def _write(
        self,
        platform: Platform,
        tokens: Tokens,
        scopes: frozenset[str],
        items: list[ItemRef],
        doubt: bool,
        tally: Tally,
    ) -> bool:
        """Save ``items``; in doubt, first ask which are there. False: nothing was missing.

        In doubt, every call is a repeat (``tally.repeat_calls``); items saved again that
        could not be read back may now be saved twice (``tally.unverified``)."""
        missing = items
        unchecked = items if doubt else []
        if doubt:
            checkable = platform.readable(scopes, items)
            if checkable:
                cost = platform.read_calls(checkable)
                self.permits.take(cost)
                tally.repeat_calls += cost
                flags = platform.contains(tokens, checkable)
                present = {i for i, ok in zip(checkable, flags, strict=True) if ok}
                missing = [i for i in items if i not in present]
                unchecked = [i for i in items if i not in checkable]
        if not missing:
            return False
        cost = platform.write_calls(missing)
        self.permits.take(cost, ahead=self.remaining)
        if doubt:
            tally.repeat_calls += cost
            tally.unverified = tally.unverified or bool(unchecked)
        platform.save(tokens, missing)
        return True

    def _retry_later(self, delivery: Delivery, reason: str, count: bool = True) -> Outcome:
        """Back to PENDING after a delay; FAILED once the attempts are used up."""
        if count and delivery.attempts >= MAX_ATTEMPTS:
            return Outcome(DeliveryState.FAILED, f"gave up: {reason}"[:300])
        delay = min(NOT_LIVE_RETRY_CAP_S, NOT_LIVE_RETRY_S * 2 ** max(0, delivery.attempts - 1))
        return Outcome(
            DeliveryState.PENDING,
            reason[:300],
            retry_at=timezone.now() + dt.timedelta(seconds=delay),
        )

    def _write_entries(self, entries: list[_Entry]) -> None:
        """One transaction: the outcomes handed in, then the new in-flight marks, guarded by
        state and batch (a row deleted meanwhile, its fan, is skipped with its events).

        Rows with the same outcome go in one UPDATE. A repeat's flag and calls add up over
        attempts: a later clean attempt does not clear them. Plain SQL (``RETURNING`` the
        rows still ours): this runs once per fan or so, and the ORM's query building cost
        more than the rest of a fan's bookkeeping.
        """
        groups, marks = _grouped(entries)
        if not groups and not marks:
            return
        kept = _again_on_a_new_connection(f"batch {self.batch}", lambda: self._apply(groups, marks))
        for entry in entries:
            entry.kept = entry.mark is not None and entry.mark.pk in kept

    def _plan(self, entries: list[_Entry]) -> _Plan:
        """``_write_entries``'s statements for SQLite, built before the transaction begins
        (``_write_planned``); each guarded ``UPDATE`` counts its rows, not returns them."""
        groups, marks = _grouped(entries)
        now = timezone.now()
        plan = _Plan(self, entries)
        for outcome, deliveries in groups:
            pks = [d.pk for d in deliveries]
            update, params = self._outcome_update(outcome, pks, now, returning=False)
            plan.updates.append((update, params, len(pks)))
            plan.counts[outcome.state] += len(pks)
            if outcome.state != DeliveryState.PENDING:
                for delivery in deliveries:
                    plan.events.extend(delivery_events(delivery, outcome))
        if marks:
            update, params = self._marks_update(marks, returning=False)
            plan.updates.append((update, params, len(marks)))
        return plan

    def _outcome_update(
        self, outcome: Outcome, pks: list[int], now: dt.datetime, returning: bool = True
    ) -> tuple[str, list[Any]]:
        """The ``UPDATE`` writing ``outcome`` on these deliveries while they are still this
        batch's and SENDING (``returning`` the ids it wrote); and its parameters."""
        sets, params = _outcome_sets(outcome, now)
        return self._guarded_update(", ".join(sets), params, pks, returning)

    def _marks_update(self, marks: list[int], returning: bool = True) -> tuple[str, list[Any]]:
        """The ``UPDATE`` marking these deliveries in flight (guarded like an outcome's)."""
        sets = "in_flight = %s, attempts = attempts + 1"
        return self._guarded_update(sets, [True], marks, returning)

    def _guarded_update(
        self, sets: str, params: list[Any], pks: list[int], returning: bool
    ) -> tuple[str, list[Any]]:
        table = connections[DEFAULT_DB_ALIAS].ops.quote_name(Delivery._meta.db_table)
        where = (
            f"id IN ({', '.join(['%s'] * len(pks))}) AND batch = %s "
            f"AND state = '{DeliveryState.SENDING.value}'"
        )
        sql = f"UPDATE {table} SET {sets} WHERE {where}"  # noqa: S608 - constant parts
        return sql + (" RETURNING id" if returning else ""), [*params, *pks, self.batch]

    def _apply(self, groups: _Groups, marks: list[int]) -> set[int]:
        """The transaction of ``_write_entries``; returns the ids still ours."""
        conn = connections[DEFAULT_DB_ALIAS]
        if conn.vendor == "postgresql" and not any(
            o.in_doubt or o.repeat_calls for o, _ds in groups
        ):
            return self._apply_in_one_statement(groups, marks)
        now = timezone.now()
        table = conn.ops.quote_name(Delivery._meta.db_table)
        kept: set[int] = set()
        counts: Counter[str] = Counter()
        with transaction.atomic(), conn.cursor() as cursor:
            events: list[NewFanEvent] = []
            for outcome, deliveries in groups:
                pks = [d.pk for d in deliveries]
                cursor.execute(*self._outcome_update(outcome, pks, now))
                written = {int(row[0]) for row in cursor.fetchall()}
                kept |= written
                lost = [pk for pk in pks if pk not in written]
                if lost and (outcome.in_doubt or outcome.repeat_calls):
                    # Not ours any more (another run of the batch wrote it first), but the
                    # calls were made: the flag and the count stay true whoever won.
                    where = f"id IN ({', '.join(['%s'] * len(lost))})"
                    facts = "in_doubt = in_doubt OR %s, repeat_calls = repeat_calls + %s"
                    sql = f"UPDATE {table} SET {facts} WHERE {where}"  # noqa: S608 - constant parts
                    cursor.execute(sql, [outcome.in_doubt, outcome.repeat_calls, *lost])
                counts[outcome.state] += len(written)
                if outcome.state != DeliveryState.PENDING:
                    for delivery in deliveries:
                        if delivery.pk in written:
                            events.extend(delivery_events(delivery, outcome))
            if marks:
                cursor.execute(*self._marks_update(marks))
                kept |= {int(row[0]) for row in cursor.fetchall()}
            if events:
                record_fan_events(events)
        with self._lock:
            self.counts.update(counts)
        return kept

    def _apply_in_one_statement(self, groups: _Groups, marks: list[int]) -> set[int]:
        """``_apply`` on PostgreSQL as one statement (atomic by itself, one round trip in
        autocommit): each outcome group's guarded ``UPDATE`` and the marks' are CTEs, and
        the events are inserted for the rows those ``UPDATE``s returned only. Outcomes that
        repeated calls (in doubt) go through ``_apply``'s transaction: their facts must
        also land on rows another run wrote first."""
        conn = connections[DEFAULT_DB_ALIAS]
        ops = conn.ops
        now = timezone.now()
        ctes: list[str] = []
        params: list[Any] = []
        selects: list[str] = []
        states: list[str] = []
        with_events: list[str] = []
        values: list[str] = []
        value_params: list[Any] = []
        created = ops.adapt_datetimefield_value(now)
        row = f"({', '.join(['%s'] * (len(EVENT_COLUMNS) + 1))})"
        for n, (outcome, deliveries) in enumerate(groups):
            pks = [d.pk for d in deliveries]
            update, update_params = self._outcome_update(outcome, pks, now)
            ctes.append(f"o{n} AS ({update})")
            params += update_params
            selects.append(f"SELECT {n}, id FROM o{n}")  # noqa: S608 - constant parts
            states.append(outcome.state)
            if outcome.state != DeliveryState.PENDING:
                with_events.append(f"SELECT id FROM o{n}")  # noqa: S608 - constant parts
                for delivery in deliveries:
                    for event in delivery_events(delivery, outcome):
                        values.append(row)
                        value_params += [delivery.pk, *event_values(event, created)]
        if marks:
            update, update_params = self._marks_update(marks)
            ctes.append(f"m AS ({update})")
            params += update_params
            selects.append("SELECT -1, id FROM m")
        if values:
            columns = ", ".join(EVENT_COLUMNS)
            events_table = ops.quote_name(FanEvent._meta.db_table)
            ctes.append(
                f"e AS (INSERT INTO {events_table} ({columns}) SELECT {columns} "  # noqa: S608 - constant parts
                f"FROM (VALUES {', '.join(values)}) AS v (delivery_id, {columns}) "
                f"WHERE v.delivery_id IN ({' UNION ALL '.join(with_events)}) "
                "ON CONFLICT (key) DO NOTHING)"
            )
            params += value_params
        sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"
        counts: Counter[str] = Counter()
        kept: set[int] = set()
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            for group, pk in cursor.fetchall():
                kept.add(int(pk))
                if group >= 0:
                    counts[states[group]] += 1
        with self._lock:
            self.counts.update(counts)
        return kept


def _grouped(entries: list[_Entry]) -> tuple[_Groups, list[int]]:
    """The entries' outcomes, each with every delivery that has the same one (written by
    one ``UPDATE``), and the marks."""
    marks = [entry.mark.pk for entry in entries if entry.mark is not None]
    groups: dict[tuple[object, ...], tuple[Outcome, list[Delivery]]] = {}
    for delivery, outcome in (pair for entry in entries for pair in entry.outcomes):
        at = outcome.retry_at.timestamp() if outcome.retry_at else None
        key = (
            outcome.state,
            outcome.reason,
            "\n".join(outcome.items),
            at,
            outcome.in_doubt,
            outcome.repeat_calls,
        )
        groups.setdefault(key, (outcome, []))[1].append(delivery)
    return list(groups.values()), marks


def _again_on_a_new_connection(whose: str, write: Callable[[], _T]) -> _T:
    """``write()``, once more on a new connection when the server dropped this one (the
    transaction rolled back and Django closed it). Rows written by a commit whose answer
    was lost are no longer SENDING and are skipped."""
    try:
        return write()
    except (InterfaceError, OperationalError):
        log.warning("%s: database connection lost, writing again", whose)
        recheck_connection()
        return write()


class _NotAllOurs(Exception):
    """A guarded ``UPDATE`` counted fewer rows than it was given: one was not ours."""


@dataclass
class _Plan:
    """One batch's share of a ledger write on SQLite (``BatchRunner._plan``)."""

    owner: BatchRunner
    entries: list[_Entry]
    updates: list[tuple[str, list[Any], int]] = field(default_factory=list)
    events: list[NewFanEvent] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _write_planned(entries: list[_Entry]) -> None:
    """The process's ledger on SQLite: every batch's entries in one transaction.

    SQLite has one writer at a time, and a transaction holds the write lock from its first
    statement to its commit. So the statements are built first (``BatchRunner._plan``), and
    rows are counted, not read back: each step of a statement (each row read back too)
    gives the GIL away, and with 16 threads a process, taking it back is what made the
    lock's hold long. Writing the batches of a process together makes fewer, larger
    transactions, and threads of the process queue on the ledger, not on SQLite's busy
    handler (it sleeps 1 to 100 ms between tries). When a row was not ours (another run of
    its batch wrote it first) all is rolled back and each batch writes on its own,
    reading back which rows it still holds (``BatchRunner._write_entries``). A write that
    fails fails every entry in it, whichever batch it came from: their steps are retried.
    """
    owners: dict[BatchRunner, list[_Entry]] = {}
    for entry in entries:
        assert entry.owner is not None, "a process's ledger is handed entries with owners"
        owners.setdefault(entry.owner, []).append(entry)
    plans = [owner._plan(its) for owner, its in owners.items()]
    updates = [update for plan in plans for update in plan.updates]
    inserts = insert_statements([event for plan in plans for event in plan.events])

    def write() -> None:
        with transaction.atomic(), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            for sql, params, rows in updates:
                cursor.execute(sql, params)
                if cursor.rowcount != rows:
                    raise _NotAllOurs
            for sql, params in inserts:
                cursor.execute(sql, params)

    try:
        _again_on_a_new_connection("the process's ledger", write)
    except _NotAllOurs:
        for owner, its in owners.items():
            owner._write_entries(its)
        return
    for plan in plans:
        with plan.owner._lock:
            plan.owner.counts.update(plan.counts)
        for entry in plan.entries:
            entry.kept = entry.mark is not None


_PROCESS_LEDGER = Ledger(_write_planned)


def _outcome_sets(outcome: Outcome, now: dt.datetime) -> tuple[list[str], list[Any]]:
    """The ``SET`` clauses and their parameters that write ``outcome`` on its rows."""
    ops = connections[DEFAULT_DB_ALIAS].ops
    sets = ["state = %s", "reason = %s", "in_flight = %s", "retry_at = %s"]
    params: list[Any] = [
        outcome.state,
        outcome.reason,
        False,
        ops.adapt_datetimefield_value(outcome.retry_at),
    ]
    if outcome.in_doubt:
        sets.append("in_doubt = %s")
        params.append(True)
    if outcome.repeat_calls:
        sets.append("repeat_calls = repeat_calls + %s")
        params.append(outcome.repeat_calls)
    if outcome.state == DeliveryState.PENDING:
        sets += ["batch = %s", "claimed_at = %s"]
        params += ["", None]
    if outcome.state == DeliveryState.DELIVERED:
        sets += [f"{ops.quote_name('items')} = %s", "delivered_at = %s"]
        params += [ops.adapt_json_value(outcome.items, None), ops.adapt_datetimefield_value(now)]
    return sets, params


EVENT_OF_STATE = {
    DeliveryState.DELIVERED: FanEventKind.DELIVERY_SUCCEEDED,
    DeliveryState.FAILED: FanEventKind.DELIVERY_FAILED,
    DeliveryState.NEEDS_RECONNECT: FanEventKind.NEEDS_RECONNECT,
}


def delivery_events(delivery: Delivery, outcome: Outcome) -> list[NewFanEvent]:
    """The outcome's events, keyed ``delivery:<id>:<state>`` (plus saved / followed)."""
    release = delivery.release
    base = {
        "workspace_id": release.artist.workspace_id,
        "fan_id": delivery.fan_id,
        "artist_id": release.artist_id,
        "release_id": release.pk,
        "platform": delivery.platform,
    }
    data = {"market": delivery.market, "source": delivery.source, "reason": outcome.reason}
    events = [
        NewFanEvent(
            kind=EVENT_OF_STATE[DeliveryState(outcome.state)],
            key=f"delivery:{delivery.pk}:{outcome.state}",
            actor=Actor.FANLOOP,
            data=data,
            **base,  # type: ignore[arg-type]
        )
    ]
    if outcome.state == DeliveryState.DELIVERED:
        events.append(
            NewFanEvent(
                kind=FanEventKind.SAVED,
                key=f"delivery:{delivery.pk}:saved",
                actor=Actor.FANLOOP,
                data={"items": outcome.items, "via": "delivery"},
                **base,  # type: ignore[arg-type]
            )
        )
        if outcome.followed:
            events.append(
                NewFanEvent(
                    kind=FanEventKind.FOLLOWED,
                    key=f"delivery:{delivery.pk}:followed",
                    actor=Actor.FANLOOP,
                    data={"via": "delivery"},
                    **base,  # type: ignore[arg-type]
                )
            )
    return events


def run_batch(app_id: int, batch: str, sleep: Sleep = time.sleep) -> dict[str, int]:
    """Deliver every row claimed by ``batch`` (idempotent: safe to run again after a crash)."""
    app = PlatformApp.objects.filter(pk=app_id).first()
    if app is None:
        Delivery.objects.filter(batch=batch, state=DeliveryState.SENDING).update(
            state=DeliveryState.FAILED, reason="The platform app was deleted.", in_flight=False
        )
        return {}
    return BatchRunner(app, batch, sleep).run()
