"""One batch of deliveries, fan by fan: tokens, pacing, the platform write, the outcome.

A batch is the set of ``Delivery`` rows claimed (state SENDING) under one workflow id. For
each fan: mark the row ``in_flight`` (one write, before any call), refresh the token when
needed, save the album (+ tracks, + the artist when the fan agreed to follow) in as few
calls as the platform allows, then write the outcome and its events in one transaction,
guarded by the row's current state, so replaying a batch after a crash never writes twice.

A row found ``in_flight`` was being written when a worker died: when the fan allowed reads
the platform is asked first (``contains``) and only what is missing is saved; otherwise it
is saved again (library writes are idempotent on every platform, though the emulator then
counts one duplicate per item that was already in flight).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import ConnectionStatus, PlatformConnection
from fanloop.fans.services import fresh_tokens, mark_needs_reconnect
from fanloop.fulfillment.audience import can_follow
from fanloop.fulfillment.models import Delivery, DeliveryState, ReleasePlatform
from fanloop.fulfillment.pacer import Permits, Sleep, backoff_s
from fanloop.platforms.base import AppMode, ItemRef, Platform, Tokens
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    TokenExpired,
)
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import get_platform

log = logging.getLogger(__name__)

CHUNK = 25  # rows loaded per query while working through a batch
MAX_RATE_LIMITS = 20  # 429s one fan may meet in one batch before it is put back
# Not live in the fan's market yet: try again after this long (doubling, capped).
NOT_LIVE_RETRY_S = 60.0
NOT_LIVE_RETRY_CAP_S = 1800.0
ARTIST_ID_FIELDS = {"spotify": "spotify_id", "deezer": "deezer_id", "applemusic": "apple_music_id"}
# Kinds each platform can read back, and the scope that allows it (None: always).
READ_SCOPES: dict[str, dict[str, str | None]] = {
    "spotify": {
        "album": "user-library-read",
        "track": "user-library-read",
        "artist": "user-follow-read",
    },
    "deezer": {"album": None, "track": None, "artist": None},
    "applemusic": {"album": None, "track": None},
}


@dataclass
class Outcome:
    state: str
    reason: str = ""
    items: list[str] = field(default_factory=list)
    followed: bool = False
    retry_at: dt.datetime | None = None


def write_cost(platform: str, mode: str, items: list[ItemRef]) -> int:
    """Platform calls one ``save`` of ``items`` makes."""
    if not items:
        return 0
    if platform == "deezer":
        return len(items)
    kinds = Counter(item.kind for item in items)
    if platform == "spotify" and mode != AppMode.EXTENDED:
        return math.ceil(len(items) / 40)
    if platform == "applemusic":
        return math.ceil(sum(n for k, n in kinds.items() if k != "artist") / 50) or 0
    return sum(math.ceil(n / 50) for n in kinds.values())


def read_cost(platform: str, mode: str, items: list[ItemRef]) -> int:
    """Platform calls one ``contains`` of ``items`` makes (at least: libraries may page)."""
    if platform == "spotify" and mode != AppMode.EXTENDED:
        return math.ceil(len(items) / 40)
    return len({item.kind for item in items})


def readable(platform: str, scopes: frozenset[str], items: list[ItemRef]) -> list[ItemRef]:
    allowed = READ_SCOPES.get(platform, {})
    return [
        item
        for item in items
        if item.kind in allowed and (allowed[item.kind] is None or allowed[item.kind] in scopes)
    ]


def items_for(delivery: Delivery, state: ReleasePlatform, scopes: frozenset[str]) -> list[ItemRef]:
    if not state.album_id:
        return []
    items = [ItemRef("album", state.album_id)]
    if state.include_tracks:
        items += [ItemRef("track", str(t)) for t in state.track_ids]
    if delivery.follow and can_follow(delivery.platform, scopes):
        artist_ids = [str(a) for a in state.artist_ids]
        if not artist_ids:
            field_name = ARTIST_ID_FIELDS.get(delivery.platform, "")
            own = getattr(delivery.release.artist, field_name, "") if field_name else ""
            artist_ids = [own] if own else []
        items += [ItemRef("artist", a) for a in artist_ids]
    return items


@dataclass
class Target:
    """What one release needs on this platform: its state (ids) and the release (events)."""

    state: ReleasePlatform | None
    release: Release


class BatchRunner:
    """Works through the SENDING rows of one batch with one app's adapter and permits.

    Rows go in chunks: one write marks a chunk in flight, the fans' calls follow one by one,
    then one transaction writes the chunk's outcomes and events.
    """

    def __init__(self, app: PlatformApp, batch: str, sleep: Sleep = time.sleep) -> None:
        self.app = app
        self.batch = batch
        self.sleep = sleep
        self.platform: Platform = get_platform(app.platform, app.credentials())
        self.permits = Permits(app, sleep)
        self.targets: dict[int, Target] = {}
        self.counts: Counter[str] = Counter()
        self.ahead = 0

    def run(self) -> dict[str, int]:
        done: set[int] = set()
        while True:
            rows = list(
                Delivery.objects.filter(batch=self.batch, state=DeliveryState.SENDING)
                .exclude(pk__in=done)
                .select_related("connection")
                .order_by("pk")[:CHUNK]
            )
            if not rows:
                return dict(self.counts)
            done.update(d.pk for d in rows)
            self.deliver_chunk(rows)

    def _target(self, delivery: Delivery) -> Target:
        target = self.targets.get(delivery.release_id)
        if target is None:
            release = Release.objects.select_related("artist").get(pk=delivery.release_id)
            state = ReleasePlatform.objects.filter(
                release_id=delivery.release_id, platform=delivery.platform
            ).first()
            target = self.targets[delivery.release_id] = Target(state, release)
        delivery.release = target.release
        return target

    def deliver_chunk(self, rows: list[Delivery]) -> None:
        outcomes: list[tuple[Delivery, Outcome]] = []
        ready: list[Delivery] = []
        for delivery in rows:
            connection = delivery.connection
            state = self._target(delivery).state
            if connection is None:
                outcomes.append(
                    (delivery, Outcome(DeliveryState.FAILED, "The fan disconnected this platform."))
                )
            elif state is None or not state.album_id:
                reason = "The release has no album id on this platform."
                outcomes.append((delivery, Outcome(DeliveryState.FAILED, reason)))
            elif connection.status == ConnectionStatus.NEEDS_RECONNECT:
                reason = connection.status_reason[:300]
                outcomes.append((delivery, Outcome(DeliveryState.NEEDS_RECONNECT, reason)))
            else:
                ready.append(delivery)
        mine = self._mark_in_flight(ready)
        for index, delivery in enumerate(mine):
            self.ahead = len(mine) - index - 1  # fans of this chunk still to call
            connection = delivery.connection
            state = self._target(delivery).state
            assert connection is not None and state is not None
            if connection.app_id == self.app.pk:
                connection.app = self.app  # no query per fan (refreshes need the app)
            outcomes.append((delivery, self._attempt(delivery, connection, state)))
        self._finish(outcomes)

    def _mark_in_flight(self, rows: list[Delivery]) -> list[Delivery]:
        """Mark ``rows`` in flight (one write); returns those still ours (not deleted)."""
        if not rows:
            return []
        pks = [d.pk for d in rows]
        with transaction.atomic():
            mine = Delivery.objects.filter(
                pk__in=pks, batch=self.batch, state=DeliveryState.SENDING
            )
            mine.update(in_flight=True, attempts=F("attempts") + 1)
            kept = set(mine.values_list("pk", flat=True))
        for delivery in rows:
            delivery.attempts += 1
        return [d for d in rows if d.pk in kept]

    def _attempt(
        self, delivery: Delivery, connection: PlatformConnection, state: ReleasePlatform
    ) -> Outcome:
        try:
            tokens = fresh_tokens(connection)
        except AccessRevoked as exc:
            return Outcome(DeliveryState.NEEDS_RECONNECT, str(exc)[:300])
        except PlatformError as exc:
            return self._retry_later(delivery, f"token refresh: {exc}")
        items = items_for(delivery, state, connection.scope_set)
        doubt = delivery.in_flight
        refreshed = False
        transient = 0
        limited = 0
        while True:
            try:
                saved = self._write(tokens, connection.scope_set, items, doubt)
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
                if transient >= settings.DELIVERY_MAX_ATTEMPTS:
                    return Outcome(
                        DeliveryState.FAILED, f"gave up after {transient} tries: {exc}"[:300]
                    )
                self.sleep(backoff_s(transient))

    def _write(
        self, tokens: Tokens, scopes: frozenset[str], items: list[ItemRef], doubt: bool
    ) -> bool:
        """Save ``items``; in doubt, first ask which are there. False: nothing was missing."""
        platform, mode = self.app.platform, self.app.mode
        missing = items
        if doubt:
            checkable = readable(platform, scopes, items)
            if checkable:
                self.permits.take(read_cost(platform, mode, checkable))
                flags = self.platform.contains(tokens, checkable)
                present = {i for i, ok in zip(checkable, flags, strict=True) if ok}
                missing = [i for i in items if i not in present]
        if not missing:
            return False
        self.permits.take(write_cost(platform, mode, missing), ahead=self.ahead)
        self.platform.save(tokens, missing)
        return True

    def _retry_later(self, delivery: Delivery, reason: str, count: bool = True) -> Outcome:
        """Back to PENDING after a delay; FAILED once the attempts are used up."""
        if count and delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            return Outcome(DeliveryState.FAILED, f"gave up: {reason}"[:300])
        delay = min(NOT_LIVE_RETRY_CAP_S, NOT_LIVE_RETRY_S * 2 ** max(0, delivery.attempts - 1))
        return Outcome(
            DeliveryState.PENDING,
            reason[:300],
            retry_at=timezone.now() + dt.timedelta(seconds=delay),
        )

    def _finish(self, outcomes: list[tuple[Delivery, Outcome]]) -> None:
        """Write a chunk's outcomes and events in one transaction, guarded by state and batch.

        Rows with the same outcome go in one UPDATE; a row deleted meanwhile (its fan) is
        skipped, and so are its events.
        """
        if not outcomes:
            return
        now = timezone.now()
        groups: dict[tuple[str, str, str, float | None], list[Delivery]] = {}
        by_pk: dict[int, Outcome] = {}
        for delivery, outcome in outcomes:
            at = outcome.retry_at.timestamp() if outcome.retry_at else None
            key = (outcome.state, outcome.reason, "\n".join(outcome.items), at)
            groups.setdefault(key, []).append(delivery)
            by_pk[delivery.pk] = outcome
        with transaction.atomic():
            mine = Delivery.objects.filter(
                pk__in=list(by_pk), batch=self.batch, state=DeliveryState.SENDING
            )
            kept = set(mine.values_list("pk", flat=True))
            events: list[NewFanEvent] = []
            for (state, reason, _, _), deliveries in groups.items():
                pks = [d.pk for d in deliveries if d.pk in kept]
                if not pks:
                    continue
                outcome = by_pk[pks[0]]
                values: dict[str, object] = {
                    "state": state,
                    "reason": reason,
                    "in_flight": False,
                    "retry_at": outcome.retry_at,
                }
                if state == DeliveryState.PENDING:
                    values.update(batch="", claimed_at=None)
                if state == DeliveryState.DELIVERED:
                    values.update(items=outcome.items, delivered_at=now)
                Delivery.objects.filter(pk__in=pks).update(**values)
                self.counts[state] += len(pks)
                if state != DeliveryState.PENDING:
                    for delivery in deliveries:
                        if delivery.pk in kept:
                            events.extend(delivery_events(delivery, by_pk[delivery.pk]))
            record_fan_events(events)


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
