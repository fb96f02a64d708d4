"""Followers and listeners over time, per artist: a daily follower snapshot from the
platforms that expose the count to the app, and the audience CSV exports artists import.

Both write ``AudiencePoint`` rows (one per artist, day, source and metric). An import is
checked whole first and refused whole with one error per bad line; a valid file is written
in one transaction, overwriting the same day, source and metric (so re-importing is
idempotent). Reading a series: per platform the latest figure on or before a day (an
export of that platform and the API snapshot of it are the same audience; the export wins
on a day both have, as it is the artist's own figure), summed across platforms.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, ArtistPlatformId
from fanloop.fulfillment.pacer import Permits, pause
from fanloop.fulfillment.services import lookup_app
from fanloop.insights.models import AudiencePoint
from fanloop.platforms.base import AppCredentials
from fanloop.platforms.errors import PlatformError, RateLimited
from fanloop.platforms.exports import EXPORT_FORMATS, METRICS, snapshot_source
from fanloop.platforms.registry import artist_followers, follower_count_platforms

log = logging.getLogger(__name__)

# An uploaded export larger than this is refused before it is read (a daily export of ten
# years is ~400 KB).
MAX_UPLOAD_BYTES = 1_000_000
# Data lines per file: ten years of days, with room.
MAX_LINES = 4000
# Errors listed back to the artist; the rest are counted.
MAX_ERRORS_SHOWN = 20
# A figure above this is a typo, not an audience.
MAX_VALUE = 10_000_000_000
DATE_FORMATS = ("%Y-%m-%d",)


class InvalidExport(Exception):
    def __init__(self, errors: list[str], total: int) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
        self.total = total


@dataclass
class ImportResult:
    days: int
    points: int
    replaced: int


@dataclass
class ParsedExport:
    metrics: list[str]
    rows: dict[dt.date, dict[str, int]] = field(default_factory=dict)


def parse_export(source: str, data: bytes, today: dt.date) -> ParsedExport:
    """Read and check a whole export; raises ``InvalidExport`` with per-line errors."""
    fmt = EXPORT_FORMATS.get(source)
    if fmt is None:
        raise InvalidExport(["Choose where the export comes from."], 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidExport([f"The file is larger than {MAX_UPLOAD_BYTES // 1000} KB."], 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidExport(["The file is not UTF-8 text (save it as CSV UTF-8)."], 1) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidExport([f"line 1: not CSV ({exc})."], 1) from None
    if not header or not any(cell.strip() for cell in header):
        raise InvalidExport(["The file is empty: line 1 must be the header."], 1)
    columns: list[str] = []
    for position, name in enumerate(header, start=1):
        key = fmt.columns.get(name.strip().lower())
        if key is None:
            known = ", ".join(sorted(fmt.columns))
            errors.append(f"line 1: column {position} {name.strip()!r} is not one of: {known}.")
        elif key in columns:
            errors.append(f"line 1: column {name.strip()!r} appears twice.")
        columns.append(key or "")
    if not errors and "date" not in columns:
        errors.append("line 1: the header has no date column.")
    if not errors and not set(columns) & set(METRICS):
        errors.append("line 1: the header has no followers, listeners or streams column.")
    if errors:
        raise InvalidExport(errors, len(errors))
    parsed = ParsedExport(metrics=[c for c in columns if c in METRICS])
    seen: dict[dt.date, int] = {}
    lines = 0
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            lines += 1
            if lines > MAX_LINES:
                errors.append(f"The file has more than {MAX_LINES} data lines: split it.")
                break
            errors.extend(_check_row(row, columns, line, today, seen, parsed))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: not CSV ({exc}).")
    if not errors and not parsed.rows:
        errors.append("The file has a header but no data lines.")
    if errors:
        raise InvalidExport(errors[:MAX_ERRORS_SHOWN], len(errors))
    return parsed


def _check_row(
    row: list[str],
    columns: list[str],
    line: int,
    today: dt.date,
    seen: dict[dt.date, int],
    parsed: ParsedExport,
) -> list[str]:
    if len(row) != len(columns):
        return [f"line {line}: {len(row)} cells where the header has {len(columns)}."]
    errors: list[str] = []
    day: dt.date | None = None
    values: dict[str, int] = {}
    for key, raw in zip(columns, row, strict=True):
        cell = raw.strip()
        if key == "date":
            day = _day(cell)
            if day is None:
                errors.append(f"line {line}: date {cell!r} is not a date like 2026-03-31.")
            elif day > today:
                errors.append(f"line {line}: date {cell} is in the future.")
            elif day in seen:
                errors.append(f"line {line}: date {cell} is already on line {seen[day]}.")
            continue
        if cell == "":
            continue  # not reported that day
        if not (cell.isascii() and cell.isdigit()) or int(cell) > MAX_VALUE:
            errors.append(f"line {line}: {key} {cell!r} is not a whole number of at least 0.")
            continue
        values[key] = int(cell)
    if day is not None and not errors:
        seen[day] = line
        parsed.rows[day] = values
    return errors


def _day(cell: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(cell, fmt).date()
        except ValueError:
            continue
    return None


def import_export(
    artist: Artist, source: str, data: bytes, now: dt.datetime | None = None
) -> ImportResult:
    """Check ``data`` whole, then write it in one transaction (same day, source and metric
    overwrite). Raises ``InvalidExport``: nothing is written then."""
    now = now or timezone.now()
    parsed = parse_export(source, data, timezone.localdate(now))
    points = [
        AudiencePoint(
            workspace_id=artist.workspace_id,
            artist=artist,
            day=day,
            source=source,
            metric=metric,
            value=value,
            recorded_at=now,
        )
        for day, values in sorted(parsed.rows.items())
        for metric, value in values.items()
    ]
    days = sorted(parsed.rows)
    with transaction.atomic():
        replaced = 0
        for metric in parsed.metrics:
            metric_days = [day for day in days if metric in parsed.rows[day]]
            for start in range(0, len(metric_days), 500):
                replaced += AudiencePoint.objects.filter(
                    artist=artist,
                    source=source,
                    metric=metric,
                    day__in=metric_days[start : start + 500],
                ).delete()[0]
        AudiencePoint.objects.bulk_create(points, batch_size=500)
    return ImportResult(days=len(days), points=len(points), replaced=replaced)


def record_point(
    artist: Artist, source: str, metric: str, day: dt.date, value: int, now: dt.datetime
) -> None:
    """One figure of one day (a snapshot taken twice in a day keeps the later one)."""
    AudiencePoint.objects.update_or_create(
        artist=artist,
        source=source,
        metric=metric,
        day=day,
        defaults={"workspace_id": artist.workspace_id, "value": value, "recorded_at": now},
    )


@dataclass
class SnapshotResult:
    taken: int = 0
    not_exposed: int = 0
    failed: int = 0


def snapshot_artist(artist: Artist, now: dt.datetime) -> SnapshotResult:
    """Today's follower count of ``artist`` on each platform that tells it to the app."""
    result = SnapshotResult()
    day = timezone.localdate(now)
    for platform, needs_app, _ in follower_count_platforms():
        platform_artist_id = platform_ids.artist_id(artist, platform)
        if not platform_artist_id:
            continue
        app = lookup_app(artist.workspace_id, platform)
        if app is None and needs_app:
            continue
        credentials = app.credentials(redirect_uri="") if app else AppCredentials("")
        if app is not None:
            # Through the app's shared call budget, like every other call with it (an app
            # token and the artist read).
            Permits(app).take(2)
        try:
            count = artist_followers(platform, credentials, platform_artist_id)
        except RateLimited as exc:
            if app is not None:
                pause(app, exc.retry_after)
            log.warning("follower snapshot of %s on %s rate limited", artist.pk, platform)
            result.failed += 1
            continue
        except PlatformError as exc:
            log.warning("follower snapshot of %s on %s failed: %s", artist.pk, platform, exc)
            result.failed += 1
            continue
        if count is None:
            result.not_exposed += 1
            continue
        record_point(artist, snapshot_source(platform), "followers", day, count, now)
        result.taken += 1
    return result


def snapshot_artists(artist_ids: list[int], now: dt.datetime | None = None) -> SnapshotResult:
    now = now or timezone.now()
    total = SnapshotResult()
    artists = Artist.objects.filter(pk__in=artist_ids).prefetch_related("platform_ids")
    for artist in artists.order_by("pk"):
        one = snapshot_artist(artist, now)
        total.taken += one.taken
        total.not_exposed += one.not_exposed
        total.failed += one.failed
    return total


def snapshot_candidates() -> list[int]:
    """Artists with an id on a platform that may expose follower counts."""
    keys = [key for key, _, _ in follower_count_platforms()]
    return sorted(
        set(
            ArtistPlatformId.objects.filter(platform__in=keys)
            .exclude(external_id="")
            .values_list("artist_id", flat=True)
        )
    )


# --- reading -------------------------------------------------------------------------------


def series_rows(artist: Artist) -> Iterator[tuple[dt.date, str, str, int]]:
    """Every stored figure of the artist: (day, source, metric, value), by day."""
    yield from (
        AudiencePoint.objects.filter(artist=artist)
        .order_by("day", "source", "metric")
        .values_list("day", "source", "metric", "value")
        .iterator(chunk_size=2000)
    )


def _platform_of(source: str) -> str:
    fmt = EXPORT_FORMATS.get(source)
    if fmt is not None:
        return fmt.platform
    return source.removeprefix("api_")


class Series:
    """An artist's figures of one metric, per platform, ready for "as of a day" reads."""

    def __init__(self, artist: Artist, metric: str) -> None:
        by_platform: dict[str, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
        points = AudiencePoint.objects.filter(artist=artist, metric=metric).values_list(
            "source", "day", "value"
        )
        for source, day, value in points:
            # An export (rank 1) wins over an API snapshot (rank 0) of the same day.
            rank = 1 if source in EXPORT_FORMATS else 0
            days = by_platform[_platform_of(source)]
            if day not in days or days[day][0] < rank:
                days[day] = (rank, value)
        self.platforms = {
            platform: sorted((day, value) for day, (_, value) in days.items())
            for platform, days in by_platform.items()
        }

    def __bool__(self) -> bool:
        return any(self.platforms.values())

    def as_of(self, day: dt.date) -> int | None:
        """Sum over platforms of each one's latest figure on or before ``day``."""
        total: int | None = None
        for points in self.platforms.values():
            at = bisect.bisect_right(points, (day, MAX_VALUE + 1))
            if at:
                total = (total or 0) + points[at - 1][1]
        return total

    def latest_day(self) -> dt.date | None:
        days = [points[-1][0] for points in self.platforms.values() if points]
        return max(days) if days else None
