"""The release-day state machine: schedule, detect, start, dispatch and finish market waves.

The engine is state-driven: members (through the dashboard) and the engine change rows; the
worker's tick (``tick``) looks at the rows and moves them on. Every transition is guarded by
the current state, so two ticks, a tick and a batch, or a replay after a crash never do a
thing twice. Platform calls (detection polls, prechecks) go through the app's pacer.

    wave SCHEDULED ──(instant - lead)──▶ DETECTING ──found──▶ DELIVERING ──all written──▶ DONE
                  ╲                      │  └──(instant + give-up)──▶ NOT_FOUND
                   ╲── platform already LIVE and instant passed ──▶ DELIVERING
    release moved later: waves not delivering yet take the new instant; markets left
    without fans are CANCELLED.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan, PlatformConnection, PreSave
from fanloop.fulfillment import audience, wave_hooks
from fanloop.fulfillment.audience import EMAIL
from fanloop.fulfillment.models import (
    Delivery,
    DeliveryState,
    DetectionSource,
    DetectionStatus,
    MarketWave,
    PrecheckStatus,
    ReleasePlatform,
    WaveStatus,
)
from fanloop.fulfillment.pacer import Permits, pause
from fanloop.platforms.base import ReleaseRef
from fanloop.platforms.errors import PlatformError, RateLimited
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import PLATFORMS, get_platform

log = logging.getLogger(__name__)

DEFAULT_MARKET = "US"  # lookups for market "" (unknown country, global releases)
POLL_BASE_S = 1.0  # after the instant: 1 s, 2 s, 4 s, ... (jittered)
POLL_CAP_S = 600.0
POLLS_PER_TICK = 5
STALE_CLAIM_S = 30.0  # a claimed row whose batch workflow is gone goes back after this
PRECHECK_EVERY = dt.timedelta(hours=12)
OPEN_WAVES = (WaveStatus.SCHEDULED, WaveStatus.DETECTING, WaveStatus.NOT_FOUND)

# Fans per delivery workflow (claimed together, loaded in chunks of 25, each outcome written
# as its call returns). Each workflow costs a few DBOS checkpoints, so bigger batches cost
# less CPU per fan: bench/delivery.py measures it (README, "Release-day delivery").
BATCH_SIZE = 400
# Delivery workflows one worker runs at once per platform app. Not measured on its own
# (bench/delivery.py runs with it); chosen so that with deliver.BATCH_THREADS a worker has
# 16 calls per app in flight, enough to keep a budget busy through the platforms' latency.
WORKER_CONCURRENCY = 4
# Start looking for a release this long before each market's instant. Not measured; chosen
# so an early publish is seen by the instant, for a few lookups per market.
DETECT_LEAD_MINUTES = 10
# Stop looking (the wave shows "not found" until a member pastes the album link) this long
# after the instant. Not measured; chosen as one day: a release still missing by then needs
# a person, not more lookups.
GIVE_UP_HOURS = 24
# Check a release's UPC against each platform's catalog this many days ahead. Not measured;
# chosen so a missing UPC leaves a week to fix it with the distributor.
PRECHECK_DAYS = 7


@dataclass(frozen=True)
class Batch:
    """A claimed batch: the workflow id it must run under, and the app whose queue runs it."""

    app_id: int
    batch_id: str


# --- scheduling ---------------------------------------------------------------------


def schedule_release(release: Release, now: dt.datetime | None = None) -> list[ReleasePlatform]:
    """Sync one ``ReleasePlatform`` per platform with recipients and one wave per market.

    Idempotent. Unpublished releases are left alone (except those found by the daily artist
    check, which are LIVE already). A release moved to another date moves the waves that
    are not delivering yet; markets left without fans are cancelled; fans who arrived in a
    market already delivering get their deliveries.
    """
    if not release.published:
        return list(release.platform_states.all())
    now = now or timezone.now()
    states: list[ReleasePlatform] = []
    for platform in audience.platforms_of(release):
        if platform != EMAIL and platform not in PLATFORMS:
            continue
        state, _ = ReleasePlatform.objects.get_or_create(release=release, platform=platform)
        states.append(state)
        markets = {r.market for r in audience.recipients(release, platform)}
        _sync_waves(release, state, markets, now)
    return states


def _sync_waves(
    release: Release, state: ReleasePlatform, markets: set[str], now: dt.datetime
) -> None:
    waves = {w.market: w for w in state.waves.all()}
    for market in markets - waves.keys():
        MarketWave.objects.get_or_create(
            state=state,
            market=market,
            defaults={"instant": release.instant_for_market(market or None)},
        )
    for market, wave in waves.items():
        instant = release.instant_for_market(market or None)
        if wave.status in OPEN_WAVES or wave.status == WaveStatus.CANCELLED:
            if market not in markets:
                if wave.status != WaveStatus.CANCELLED:
                    _set_wave(wave, status=WaveStatus.CANCELLED)
            elif wave.instant != instant or wave.status == WaveStatus.CANCELLED:
                _set_wave(
                    wave,
                    instant=instant,
                    status=WaveStatus.SCHEDULED,
                    polls=0,
                    next_poll_at=None,
                    last_poll_message="",
                    announced_at=None if instant > now else wave.announced_at,
                )
        elif wave.started_at is not None and market in markets:
            if _create_deliveries(wave) and wave.status == WaveStatus.DONE:
                _set_wave(wave, status=WaveStatus.DELIVERING, finished_at=None)


def _set_wave(wave: MarketWave, **values: object) -> None:
    for name, value in values.items():
        setattr(wave, name, value)
    wave.save(update_fields=[*values, "updated"])


def _move(wave: MarketWave, current: str, **values: object) -> bool:
    """Guarded transition: only when the wave is still in ``current``."""
    values["updated"] = timezone.now()
    moved = MarketWave.objects.filter(pk=wave.pk, status=current).update(**values)
    return bool(moved)


# --- detection --------------------------------------------------------------------------


def lookup_app(workspace_id: int, platform: str) -> PlatformApp | None:
    """The app catalog lookups go through: an active one first, the oldest first."""
    return (
        PlatformApp.objects.filter(workspace_id=workspace_id, platform=platform)
        .order_by("-active", "created", "pk")
        .first()
    )


def lookup(release: Release, platform: str, market: str) -> ReleaseRef | None:
    """Find ``release`` on ``platform`` in ``market``: by UPC, else by its first ISRC.

    Raises PlatformError (rate limits pause the app) and LookupError when there is no app
    or nothing to look up with.
    """
    app = lookup_app(release.artist.workspace_id, platform)
    if app is None:
        raise LookupError(f"no {platform} app in this workspace")
    adapter = get_platform(platform, app.credentials(redirect_uri=""))
    permits = Permits(app)
    market = market or DEFAULT_MARKET
    try:
        if release.upc:
            permits.take(2)
            return adapter.lookup_release(release.upc, market)
        first = release.tracks.exclude(isrc="").only("pk", "isrc").first()
        if first is None:
            raise LookupError("the release has no UPC and no ISRC: paste the album link")
        permits.take(1)
        track = adapter.lookup_track(first.isrc, market)
        if track is None:
            return None
        # The track's id there, for what needs it later (one-click track saves).
        platform_ids.remember_track_id(first.pk, platform, track.track_id)
        if not track.album_id:
            return None
        return ReleaseRef(platform=platform, album_id=track.album_id, url=track.url)
    except RateLimited as exc:
        pause(app, exc.retry_after)
        raise


def mark_live(state: ReleasePlatform, ref: ReleaseRef, source: str, now: dt.datetime) -> None:
    """Record the platform ids of a found release (once; a later find changes nothing)."""
    updated = (
        ReleasePlatform.objects.filter(pk=state.pk)
        .exclude(status=DetectionStatus.LIVE)
        .update(
            status=DetectionStatus.LIVE,
            source=source,
            album_id=ref.album_id,
            track_ids=list(ref.track_ids),
            artist_ids=list(ref.artist_ids),
            url=ref.url[:300],
            detected_at=now,
            updated=now,
        )
    )
    if updated:
        platform_ids.remember_release_id(state.release_id, state.platform, ref.album_id)
    state.refresh_from_db()


def poll_wave(wave: MarketWave, now: dt.datetime) -> None:
    """One detection poll of a DETECTING wave, claimed by moving ``next_poll_at`` first."""
    if now < wave.instant:
        # Before the instant one look is enough (a wrong UPC shows early); next at the instant.
        next_poll = wave.instant + dt.timedelta(seconds=random.uniform(0, 1))
    else:
        delay = min(POLL_CAP_S, POLL_BASE_S * 2 ** min(wave.polls, 10))
        next_poll = now + dt.timedelta(seconds=delay * random.uniform(0.8, 1.2))
    claimed = MarketWave.objects.filter(
        pk=wave.pk, status=WaveStatus.DETECTING, next_poll_at=wave.next_poll_at, polls=wave.polls
    ).update(next_poll_at=next_poll, polls=wave.polls + 1, updated=now)
    if not claimed:
        return
    state = wave.state
    release = state.release
    try:
        ref = lookup(release, state.platform, wave.market)
    except LookupError as exc:
        MarketWave.objects.filter(pk=wave.pk).update(last_poll_message=str(exc)[:300])
        return
    except PlatformError as exc:
        MarketWave.objects.filter(pk=wave.pk).update(
            last_poll_message=f"lookup failed: {exc}"[:300]
        )
        return
    if ref is None:
        MarketWave.objects.filter(pk=wave.pk).update(
            last_poll_message=f"not found in {wave.market or DEFAULT_MARKET} yet"
        )
        return
    mark_live(state, ref, DetectionSource.LOOKUP, now)
    _move(
        wave,
        WaveStatus.DETECTING,
        status=WaveStatus.DELIVERING,
        detected_at=now,
        last_poll_message="found",
    )


def precheck_release(release: Release, now: dt.datetime | None = None) -> list[ReleasePlatform]:
    """Days before release: is the UPC known to each platform? Sets ``precheck_*``."""
    now = now or timezone.now()
    before_release = now < release.first_instant()
    states = list(release.platform_states.exclude(platform=EMAIL))
    for state in states:
        label = PLATFORMS.get(state.platform, (state.platform,))[0]
        if not release.upc:
            status, message = (
                PrecheckStatus.MISSING,
                "No UPC: add it, or paste the album link on release day.",
            )
        else:
            try:
                ref = lookup(release, state.platform, DEFAULT_MARKET)
            except LookupError as exc:
                status, message = PrecheckStatus.ERROR, str(exc)
            except PlatformError as exc:
                status, message = PrecheckStatus.ERROR, f"{label} lookup failed: {exc}"
            else:
                if ref is None:
                    status = PrecheckStatus.MISSING
                    message = (
                        f"{label} does not list UPC {release.upc} yet (normal until release)."
                        if before_release
                        else f"{label} does not list UPC {release.upc}: check the UPC or your "
                        "distributor."
                    )
                else:
                    status, message = PrecheckStatus.FOUND, f"{label} lists it as “{ref.title}”."
        ReleasePlatform.objects.filter(pk=state.pk).update(
            precheck_status=status, precheck_message=message[:300], prechecked_at=now
        )
    return list(release.platform_states.all())


# --- deliveries -------------------------------------------------------------------------


_DELIVERY_COLUMNS = (
    "release_id", "fan_id", "platform", "connection_id", "wave_id", "market", "source",
    "follow", "state", "reason", "items", "attempts", "in_flight", "in_doubt", "repeat_calls",
    "retry_at", "batch", "claimed_at", "delivered_at", "created", "updated",
)  # fmt: skip


def _create_deliveries(
    wave: MarketWave, audiences: dict[int, list[audience.Recipient]] | None = None
) -> int:
    """Delivery rows for the wave's fans (idempotent); returns how many are new.

    Plain ``INSERT … ON CONFLICT DO NOTHING`` of tuples in short transactions (other
    writers go between): a wave can hold every fan of a release, and the ORM's per-field
    preparation in ``bulk_create`` cost more than the delivery's own bookkeeping.
    ``audiences``: recipients already read per platform state, so waves of many markets
    starting in one tick read the release's audience once."""
    state = wave.state
    if state.platform == EMAIL:
        return 0
    everyone = audiences.get(state.pk) if audiences is not None else None
    if everyone is None:
        everyone = audience.recipients(state.release, state.platform)
        if audiences is not None:
            audiences[state.pk] = everyone
    ops = db_connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    empty = ops.adapt_json_value([], None)
    # A new row: pending, no outcome, nothing tried (the columns after ``follow``).
    fresh = (DeliveryState.PENDING.value, "", empty, 0, False, False, 0, None, "", None, None)
    release_id, platform = state.release_id, state.platform
    rows = [
        (
            release_id,
            r.fan_id,
            platform,
            r.connection_id,
            wave.pk,
            r.market,
            r.source,
            r.follow,
            *fresh,
            now,
            now,
        )
        for r in everyone
        if r.market == wave.market
    ]
    fields = {f.attname: f.column for f in Delivery._meta.concrete_fields}
    names = ", ".join(ops.quote_name(fields[c]) for c in _DELIVERY_COLUMNS)
    marks = ", ".join(["%s"] * len(_DELIVERY_COLUMNS))
    table = ops.quote_name(Delivery._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608 - model names
    before = Delivery.objects.filter(wave=wave).count()
    for start in range(0, len(rows), 500):
        with transaction.atomic(), db_connection.cursor() as cursor:
            cursor.executemany(sql, rows[start : start + 500])
    return Delivery.objects.filter(wave=wave).count() - before


def start_wave(
    wave: MarketWave,
    now: dt.datetime,
    audiences: dict[int, list[audience.Recipient]] | None = None,
) -> None:
    """A DELIVERING wave without deliveries yet gets them, then ``started_at``."""
    _create_deliveries(wave, audiences)
    MarketWave.objects.filter(pk=wave.pk, started_at__isnull=True).update(
        started_at=now, updated=now
    )


def batch_size() -> int:
    return max(1, BATCH_SIZE)


def inflight_limit() -> int:
    """Rows one app may have claimed at once: enough to keep every batch slot busy twice."""
    return batch_size() * max(1, WORKER_CONCURRENCY) * 2


def delivering() -> bool:
    """Whether a release-day delivery is calling the platforms now: some fan's row is
    claimed by a batch (``SENDING``)."""
    return Delivery.objects.filter(state=DeliveryState.SENDING).exists()


def _due(now: dt.datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        wave__status=WaveStatus.DELIVERING,
        wave__started_at__isnull=False,
        state=DeliveryState.PENDING,
    ).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))


def claim(app_id: int, size: int, now: dt.datetime) -> Batch | None:
    """Claim up to ``size`` due rows of ``app_id`` for one new batch (SENDING)."""
    batch = Batch(app_id, f"delivery-{app_id}-{uuid.uuid4().hex[:16]}")
    with transaction.atomic():
        rows = _due(now).filter(connection__app_id=app_id).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        pks = list(rows.values_list("pk", flat=True)[:size])
        if not pks:
            return None
        claimed = Delivery.objects.filter(pk__in=pks, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, batch=batch.batch_id, claimed_at=now, retry_at=None
        )
    return batch if claimed else None


def dispatch(now: dt.datetime, app_ids: Iterable[int] | None = None) -> list[Batch]:
    """Claim batches for every app with due rows, up to each app's in-flight limit.

    Without ``app_ids`` (the tick) rows whose connection is gone are failed first.
    """
    if app_ids is None:
        _fail_disconnected(now)
        app_ids = _due(now).values_list("connection__app_id", flat=True).distinct()
    batches: list[Batch] = []
    for app_id in {a for a in app_ids if a is not None}:
        inflight = Delivery.objects.filter(
            state=DeliveryState.SENDING, connection__app_id=app_id
        ).count()
        room = inflight_limit() - inflight
        # Whole batches only: rows freed a chunk at a time must not become a stream of
        # small batches, each costing a workflow start that the app's DBOS limiter counts
        # (measured: at 25 to 100 rows a batch the limiter halved a 267 calls/s delivery).
        while room >= batch_size():
            batch = claim(app_id, batch_size(), now)
            if batch is None:
                break
            batches.append(batch)
            room -= batch_size()
    return batches


def _fail_disconnected(now: dt.datetime) -> None:
    """Due rows whose fan removed the connection: failed, with their event."""
    for delivery in (
        _due(now).filter(connection__isnull=True).select_related("release__artist")[:500]
    ):
        finish(
            delivery,
            DeliveryState.FAILED,
            "The fan disconnected this platform.",
            DeliveryState.PENDING,
        )


def finish(delivery: Delivery, state: str, reason: str, current: str) -> bool:
    """Write a final state outside a batch (guarded by ``current``), with its event."""
    from fanloop.fulfillment.deliver import Outcome, delivery_events

    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, state=current).update(
            state=state, reason=reason[:300], in_flight=False, batch="", claimed_at=None
        )
        if updated:
            record_fan_events(delivery_events(delivery, Outcome(state, reason)))
    return bool(updated)


def release_stale_claims(now: dt.datetime, alive: set[str]) -> int:
    """Rows claimed by batches that no longer run (never enqueued, or ended without writing
    them) go back to PENDING; ``alive`` are the batch ids still queued or running."""
    cutoff = now - dt.timedelta(seconds=STALE_CLAIM_S)
    stale = (
        Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=cutoff)
        .exclude(batch__in=alive)
        .values_list("batch", flat=True)
        .distinct()
    )
    released = 0
    for batch in list(stale[:100]):
        released += Delivery.objects.filter(
            state=DeliveryState.SENDING, batch=batch, claimed_at__lt=cutoff
        ).update(state=DeliveryState.PENDING, batch="", claimed_at=None)
    return released


def stale_batches(now: dt.datetime) -> list[str]:
    cutoff = now - dt.timedelta(seconds=STALE_CLAIM_S)
    return list(
        Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=cutoff)
        .values_list("batch", flat=True)
        .distinct()[:100]
    )


def finish_waves(now: dt.datetime) -> None:
    open_rows = Delivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING])
    for wave in MarketWave.objects.filter(
        status=WaveStatus.DELIVERING, started_at__isnull=False
    ).exclude(pk__in=open_rows.filter(wave__isnull=False).values("wave_id")):
        if _move(wave, WaveStatus.DELIVERING, status=WaveStatus.DONE, finished_at=now):
            wave.status, wave.finished_at = WaveStatus.DONE, now
            wave_hooks.wave_finished.run(wave)


# --- release-live events ----------------------------------------------------------------


def announce(wave: MarketWave, now: dt.datetime) -> int:
    """RELEASE_LIVE for every pre-saver of the wave's market (deduped across platforms)."""
    claimed = MarketWave.objects.filter(pk=wave.pk, announced_at__isnull=True).update(
        announced_at=now
    )
    if not claimed:
        return 0
    wave.announced_at = now
    wave_hooks.wave_live.run(wave)
    state = wave.state
    release = state.release
    countries = {
        c.fan_id: c.country
        for c in PlatformConnection.objects.filter(
            platform=state.platform, fan__presaves__release=release
        ).only("fan_id", "country")
    }
    events = [
        NewFanEvent(
            workspace_id=release.artist.workspace_id,
            fan_id=fan_id,
            kind=FanEventKind.RELEASE_LIVE,
            key=f"release_live:{release.pk}:{fan_id}",
            actor=Actor.FANLOOP,
            artist_id=release.artist_id,
            release_id=release.pk,
            platform=state.platform,
            data={"market": wave.market},
        )
        for fan_id, country, fan_country in PreSave.objects.filter(
            release=release, platform=state.platform
        ).values_list("fan_id", "country", "fan__country")
        if audience.market_for(release, countries.get(fan_id), country, fan_country) == wave.market
    ]
    return record_fan_events(events)


# --- the tick ---------------------------------------------------------------------------


def _lead() -> dt.timedelta:
    return dt.timedelta(minutes=DETECT_LEAD_MINUTES)


def schedule_upcoming(now: dt.datetime) -> None:
    """Published releases going out within a day that were never scheduled."""
    today = now.date()
    for release in Release.objects.filter(
        published=True,
        release_date__gte=today - dt.timedelta(days=2),
        release_date__lte=today + dt.timedelta(days=2),
        platform_states__isnull=True,
    ).select_related("artist")[:20]:
        if release.first_instant() - dt.timedelta(days=1) <= now:
            schedule_release(release, now)


def advance(now: dt.datetime) -> None:
    """SCHEDULED → DETECTING / DELIVERING / DONE (email); DETECTING → polls, DELIVERING,
    NOT_FOUND; release-live events for markets whose instant passed."""
    lead = _lead()
    starting: set[int] = set()
    for wave in MarketWave.objects.filter(
        status=WaveStatus.SCHEDULED, instant__lte=now + lead
    ).select_related("state"):
        state = wave.state
        if state.platform == EMAIL:
            if wave.instant <= now:
                _move(wave, WaveStatus.SCHEDULED, status=WaveStatus.DONE, finished_at=now)
        elif state.status == DetectionStatus.LIVE:
            if wave.instant <= now:
                _move(wave, WaveStatus.SCHEDULED, status=WaveStatus.DELIVERING, detected_at=now)
        elif _move(wave, WaveStatus.SCHEDULED, status=WaveStatus.DETECTING, next_poll_at=now):
            starting.add(state.release_id)
    # Detection starts: one more sync catches markets whose fans arrived unnoticed.
    for release in Release.objects.filter(pk__in=starting, published=True).select_related("artist"):
        schedule_release(release, now)
    give_up = dt.timedelta(hours=GIVE_UP_HOURS)
    polls = 0
    for wave in MarketWave.objects.filter(status=WaveStatus.DETECTING).select_related(
        "state__release__artist"
    ):
        if wave.state.status == DetectionStatus.LIVE and wave.instant <= now:
            _move(wave, WaveStatus.DETECTING, status=WaveStatus.DELIVERING, detected_at=now)
        elif wave.instant + give_up <= now:
            _move(
                wave,
                WaveStatus.DETECTING,
                status=WaveStatus.NOT_FOUND,
                last_poll_message=(
                    f"{wave.last_poll_message} — gave up after {wave.polls} lookups: "
                    "paste the album link to deliver"
                ).strip(" —")[:300],
            )
        elif (wave.next_poll_at is None or wave.next_poll_at <= now) and polls < POLLS_PER_TICK:
            polls += 1
            poll_wave(wave, now)
    for wave in (
        MarketWave.objects.filter(instant__lte=now, announced_at__isnull=True)
        .exclude(status=WaveStatus.CANCELLED)
        .select_related("state__release__artist")[:50]
    ):
        announce(wave, now)
    audiences: dict[int, list[audience.Recipient]] = {}
    for wave in MarketWave.objects.filter(
        status=WaveStatus.DELIVERING, started_at__isnull=True
    ).select_related("state__release__artist"):
        start_wave(wave, now, audiences)


def precheck_due(now: dt.datetime) -> None:
    """One release per tick: published, with a UPC, out within ``PRECHECK_DAYS``."""
    horizon = now.date() + dt.timedelta(days=PRECHECK_DAYS)
    state = (
        ReleasePlatform.objects.filter(
            release__published=True,
            release__release_date__gte=now.date(),
            release__release_date__lte=horizon,
            status=DetectionStatus.SCHEDULED,
        )
        .exclude(platform=EMAIL)
        .filter(Q(prechecked_at__isnull=True) | Q(prechecked_at__lt=now - PRECHECK_EVERY))
        .select_related("release__artist")
        .first()
    )
    if state is not None:
        precheck_release(state.release, now)


def tick(now: dt.datetime | None = None) -> list[Batch]:
    """One pass of the state machine; returns the batches claimed, to enqueue."""
    now = now or timezone.now()
    schedule_upcoming(now)
    advance(now)
    batches = dispatch(now)
    finish_waves(now)
    precheck_due(now)
    return batches


# --- reads --------------------------------------------------------------------------------


def deliveries_of(fan: Fan) -> QuerySet[Delivery]:
    """The fan's deliveries, newest first (the fan view)."""
    return (
        Delivery.objects.filter(fan=fan)
        .select_related("release__artist")
        .order_by("-created", "-pk")
    )
