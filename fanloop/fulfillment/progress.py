"""Read-only views of release-day delivery for the dashboard: per platform and market, how
many deliveries are done, pending or failed, the current rate, an ETA and detection status.

Four queries per release, whatever the audience size (grouped counts, not rows).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.catalog.share_links import canonical_url
from fanloop.fans.models import Fan, PreSave
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
from fanloop.platforms.registry import PLATFORMS

# The rate is what was delivered in this trailing window, shown per minute. A run that
# started less than a window ago is measured over its own time so far (at least
# MIN_RATE_SPAN): over the whole window its first seconds read as a slow rate, and the ETA
# came out several times too long (7 min shown for a run done in 82 s).
RATE_WINDOW = dt.timedelta(seconds=60)
MIN_RATE_SPAN = dt.timedelta(seconds=10)
# Pages keep polling while a wave is due within this long (the numbers will move soon).
POLL_AHEAD = dt.timedelta(minutes=15)
ACTIVE_WAVES = (WaveStatus.DETECTING, WaveStatus.DELIVERING)
PROBLEM_STATES = (DeliveryState.FAILED, DeliveryState.NEEDS_RECONNECT)


def platform_label(platform: str) -> str:
    entry = PLATFORMS.get(platform)
    return entry[0] if entry else platform


def market_label(market: str) -> str:
    return market or "All markets"


def eta_seconds(remaining: int, per_minute: int) -> int | None:
    """Seconds until ``remaining`` deliveries are done at ``per_minute``; None when stalled."""
    if remaining <= 0:
        return 0
    if per_minute <= 0:
        return None
    return math.ceil(remaining * 60 / per_minute)


def percent(part: int, whole: int) -> int:
    """Whole percent of ``part`` in ``whole``, 0 for an empty whole, 100 only when complete."""
    if whole <= 0:
        return 0
    value = part * 100 // whole
    return 99 if value == 100 and part < whole else value


@dataclass
class Counts:
    """Deliveries by outcome; ``pending`` includes those being sent right now."""

    delivered: int = 0
    pending: int = 0
    failed: int = 0
    needs_reconnect: int = 0
    recent: int = 0  # delivered within RATE_WINDOW
    # Deliveries per second, summed over the rows added (each measured over its own span).
    rate_per_second: float = 0.0
    # Saved again after a crash or an unanswered call, without a read-back: maybe twice.
    in_doubt: int = 0
    repeat_calls: int = 0  # platform calls (of the app's budget) spent on such repeats

    def add(
        self,
        state: str,
        count: int,
        recent: int = 0,
        in_doubt: int = 0,
        repeat_calls: int = 0,
        span: dt.timedelta = RATE_WINDOW,
    ) -> None:
        """``recent`` of the ``count`` were delivered within the last ``span``."""
        if recent:
            self.rate_per_second += recent / max(span, MIN_RATE_SPAN).total_seconds()
        self.in_doubt += in_doubt
        self.repeat_calls += repeat_calls
        if state == DeliveryState.DELIVERED:
            self.delivered += count
        elif state == DeliveryState.FAILED:
            self.failed += count
        elif state == DeliveryState.NEEDS_RECONNECT:
            self.needs_reconnect += count
        else:
            self.pending += count
        self.recent += recent

    def merge(self, other: Counts) -> None:
        self.delivered += other.delivered
        self.pending += other.pending
        self.failed += other.failed
        self.needs_reconnect += other.needs_reconnect
        self.recent += other.recent
        self.rate_per_second += other.rate_per_second
        self.in_doubt += other.in_doubt
        self.repeat_calls += other.repeat_calls

    @property
    def total(self) -> int:
        return self.delivered + self.pending + self.failed + self.needs_reconnect

    @property
    def finished(self) -> int:
        return self.total - self.pending

    @property
    def problems(self) -> int:
        return self.failed + self.needs_reconnect

    @property
    def percent(self) -> int:
        """Share of deliveries with an outcome (delivered or not): the progress bar."""
        return percent(self.finished, self.total)

    @property
    def delivered_percent(self) -> int:
        return percent(self.delivered, self.total)

    @property
    def problem_percent(self) -> int:
        # The two bar segments never add up past the whole bar.
        return min(percent(self.problems, self.total), self.percent - self.delivered_percent)

    @property
    def rate_per_minute(self) -> int:
        return round(self.rate_per_second * 60)

    @property
    def eta_seconds(self) -> int | None:
        return eta_seconds(self.pending, self.rate_per_minute)


@dataclass
class MarketRow:
    market: str
    wave: MarketWave | None
    counts: Counts = field(default_factory=Counts)

    @property
    def label(self) -> str:
        return market_label(self.market)


@dataclass
class PlatformRow:
    platform: str
    state: ReleasePlatform | None
    presavers: int = 0
    counts: Counts = field(default_factory=Counts)
    markets: list[MarketRow] = field(default_factory=list)
    # The release is out nowhere yet: platforms list a release by UPC only once it is out,
    # so a UPC lookup that finds nothing then is normal, not a problem.
    before_release: bool = False

    @property
    def label(self) -> str:
        return platform_label(self.platform)

    @property
    def status(self) -> str:
        return self.state.status if self.state else DetectionStatus.SCHEDULED

    @property
    def phase(self) -> str:
        """Where detection stands, read from the platform row and its waves: the engine
        moves the waves (detecting, not found) and marks the platform row live."""
        if self.is_live:
            return DetectionStatus.LIVE
        waves = {row.wave.status for row in self.markets if row.wave is not None}
        if WaveStatus.DETECTING in waves or self.status == DetectionStatus.DETECTING:
            return DetectionStatus.DETECTING
        if WaveStatus.NOT_FOUND in waves or self.status == DetectionStatus.NOT_FOUND:
            return DetectionStatus.NOT_FOUND
        return DetectionStatus.SCHEDULED

    @property
    def status_label(self) -> str:
        return str(DetectionStatus(self.phase).label)

    @property
    def is_live(self) -> bool:
        return self.status == DetectionStatus.LIVE

    @property
    def album_url(self) -> str:
        if self.state is None or not self.state.album_id:
            return ""
        return self.state.url or canonical_url(self.platform, "album", self.state.album_id)

    @property
    def source_label(self) -> str:
        if self.state is None or not self.state.source:
            return ""
        return str(DetectionSource(self.state.source).label)

    @property
    def _precheck_unfound(self) -> bool:
        """The UPC lookup did not find the release (or failed), and it is not live."""
        return (
            self.state is not None
            and not self.is_live
            and self.state.precheck_status in (PrecheckStatus.MISSING, PrecheckStatus.ERROR)
        )

    @property
    def precheck_warning(self) -> bool:
        """Not found by UPC (or the lookup failed) once the release is out somewhere."""
        return self._precheck_unfound and not self.before_release

    @property
    def precheck_not_listed_yet(self) -> bool:
        """Not found by UPC before release: normal, said without the warning colour."""
        return self._precheck_unfound and self.before_release

    @property
    def last_poll(self) -> MarketWave | None:
        """The wave polled most recently: its message says where detection stands."""
        polled = [row.wave for row in self.markets if row.wave is not None and row.wave.polls]
        return max(polled, key=lambda wave: wave.updated) if polled else None

    @property
    def polls(self) -> int:
        return sum(row.wave.polls for row in self.markets if row.wave is not None)

    @property
    def next_instant(self) -> dt.datetime | None:
        """The earliest instant of a market still waiting for the release."""
        instants = [
            row.wave.instant
            for row in self.markets
            if row.wave is not None
            and row.wave.status in (WaveStatus.SCHEDULED, WaveStatus.DETECTING)
        ]
        return min(instants) if instants else None


@dataclass
class ReleaseProgress:
    release: Release
    platforms: list[PlatformRow]
    counts: Counts
    presavers: int
    active: bool  # something moves now or soon: pages keep polling
    now: dt.datetime

    @property
    def eta_seconds(self) -> int | None:
        """Platforms deliver side by side: the slowest one decides."""
        etas = [row.counts.eta_seconds for row in self.platforms if row.counts.pending]
        if not etas:
            return 0
        if any(eta is None for eta in etas):
            return None
        return max(eta for eta in etas if eta is not None)

    @property
    def started(self) -> bool:
        return self.counts.total > 0

    @property
    def done(self) -> bool:
        return self.started and not self.active and self.counts.pending == 0


def _presavers(release: Release) -> dict[str, int]:
    rows = (
        PreSave.objects.filter(release=release)
        .exclude(platform=PreSave.EMAIL_ONLY)
        .values("platform")
        .annotate(n=Count("pk"))
    )
    return {row["platform"]: row["n"] for row in rows}


def _delivery_counts(release: Release, now: dt.datetime) -> dict[tuple[str, str], Counts]:
    since = now - RATE_WINDOW
    rows = (
        Delivery.objects.filter(release=release)
        .values("platform", "market", "state")
        .annotate(
            n=Count("pk"),
            recent=Count(
                "pk",
                filter=Q(state=DeliveryState.DELIVERED, delivered_at__gte=since),
            ),
            in_doubt=Count("pk", filter=Q(in_doubt=True)),
            repeat_calls=Sum("repeat_calls"),
            # The run's first delivery: a run younger than the window is measured over
            # its own time so far.
            first_delivered=Min("delivered_at", filter=Q(state=DeliveryState.DELIVERED)),
        )
        .order_by()
    )
    found: dict[tuple[str, str], Counts] = {}
    for row in rows:
        counts = found.setdefault((row["platform"], row["market"]), Counts())
        first = row["first_delivered"]
        span = min(now - first, RATE_WINDOW) if first is not None else RATE_WINDOW
        counts.add(
            row["state"],
            row["n"],
            row["recent"],
            row["in_doubt"],
            row["repeat_calls"] or 0,
            span=span,
        )
    return found


def _platform_order(platform: str) -> tuple[int, str]:
    keys = list(PLATFORMS)
    return (keys.index(platform) if platform in keys else len(keys), platform)


def release_progress(release: Release, now: dt.datetime | None = None) -> ReleaseProgress:
    """Where release-day delivery of ``release`` stands, per platform and market."""
    now = now or timezone.now()
    states = {state.platform: state for state in ReleasePlatform.objects.filter(release=release)}
    platform_of = {state.pk: state.platform for state in states.values()}
    waves: dict[str, list[MarketWave]] = {}
    for wave in MarketWave.objects.filter(state__release=release).order_by("instant", "market"):
        waves.setdefault(platform_of[wave.state_id], []).append(wave)
    presavers = _presavers(release)
    counts = _delivery_counts(release, now)
    # Streaming platforms only: the engine's "email" pseudo platform delivers nothing.
    seen = {*states, *presavers, *(platform for platform, _ in counts)}
    platforms = {platform for platform in seen if platform in PLATFORMS}

    before_release = now < release.first_instant()
    rows: list[PlatformRow] = []
    active = False
    for platform in sorted(platforms, key=_platform_order):
        row = PlatformRow(
            platform,
            states.get(platform),
            presavers.get(platform, 0),
            before_release=before_release,
        )
        by_market = {wave.market: MarketRow(wave.market, wave) for wave in waves.get(platform, [])}
        for (key, market), market_counts in sorted(counts.items()):
            if key == platform:
                by_market.setdefault(market, MarketRow(market, None)).counts = market_counts
        row.markets = list(by_market.values())
        for market_row in row.markets:
            row.counts.merge(market_row.counts)
            due = market_row.wave
            if due is not None and (
                due.status in ACTIVE_WAVES
                or (due.status == WaveStatus.SCHEDULED and due.instant <= now + POLL_AHEAD)
            ):
                active = True
        active = active or row.counts.pending > 0
        rows.append(row)

    total = Counts()
    for row in rows:
        total.merge(row.counts)
    return ReleaseProgress(
        release=release,
        platforms=rows,
        counts=total,
        presavers=sum(presavers.values()),
        active=active,
        now=now,
    )


def problem_deliveries(release: Release, state: str = "") -> QuerySet[Delivery]:
    """Failed and needs-reconnect deliveries of ``release`` (or of one of the two states)."""
    states = [state] if state in PROBLEM_STATES else list(PROBLEM_STATES)
    return (
        Delivery.objects.filter(release=release, state__in=states)
        .select_related("fan")
        .order_by("-updated", "-pk")
    )


def deliveries_of_fan(fan: Fan) -> QuerySet[Delivery]:
    """A fan's deliveries, newest release first."""
    return (
        Delivery.objects.filter(fan=fan)
        .select_related("release", "release__artist")
        .order_by("-release__release_date", "release__title", "release_id", "platform")
    )


def format_duration(seconds: int | None) -> str:
    """ "45 s", "3 min", "1 h 20 min"; "—" when unknown (nothing moves)."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
