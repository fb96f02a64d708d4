"""What the library checks found, for people: per fan, per release, and as CSV rows.

A check result exists only where fanloop could look (the fan allowed the checks, the
connection holds the read scope, the grant still works). Everything else is "not
checked": it is shown apart and never counted as "not saved". Shares are of the fans
checked at that checkpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Q

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan, PreSave

CHECKPOINTS = ("1d", "7d", "30d")
KEPT: dict[str, str] = {
    FanEventKind.SAVE_VERIFIED: "kept",
    FanEventKind.SAVE_KEPT_7D: "kept",
    FanEventKind.SAVE_KEPT_30D: "kept",
    FanEventKind.SAVE_MISSING: "removed",
}
NOT_CHECKED = "not checked"


@dataclass
class FanChecks:
    """One fan's results for one release: checkpoint → (kept / removed, when)."""

    release: Release
    results: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)
    tracks: list[dt.datetime] = field(default_factory=list)

    def at(self, checkpoint: str) -> str:
        found = self.results.get(checkpoint)
        return found[0] if found else NOT_CHECKED

    @property
    def rows(self) -> list[tuple[str, str, dt.datetime | None]]:
        return [
            (label, self.at(cp), self.results[cp][1] if cp in self.results else None)
            for cp, label in zip(CHECKPOINTS, ("1 day", "7 days", "30 days"), strict=True)
        ]


def _events() -> Q:
    return Q(kind__in=list(KEPT)) & Q(key__startswith="verify:") | Q(
        kind=FanEventKind.TRACK_SAVED, key__startswith="verify-track:"
    )


def fan_checks(fan: Fan) -> list[FanChecks]:
    """The fan's check results, per release, newest release first (one query)."""
    by_release: dict[int, FanChecks] = {}
    rows = (
        FanEvent.objects.filter(_events(), fan_id=fan.pk)
        .select_related("release")
        .order_by("created", "pk")
    )
    for event in rows:
        if event.release is None:
            continue
        checks = by_release.setdefault(event.release_id or 0, FanChecks(event.release))
        if event.kind == FanEventKind.TRACK_SAVED:
            checks.tracks.append(event.created)
        else:
            checkpoint = str(event.data.get("checkpoint", ""))
            checks.results[checkpoint] = (KEPT[event.kind], event.created)
    return sorted(by_release.values(), key=lambda c: c.release.release_date, reverse=True)


@dataclass(frozen=True)
class ReleaseChecks:
    audience: int  # fans who pre-saved the release
    checked: dict[str, int]  # checkpoint → fans checked there
    kept: dict[str, int]  # checkpoint → of them, fans whose library had it
    track_savers: int  # fans seen saving a track of the release

    def share(self, checkpoint: str) -> int | None:
        checked = self.checked.get(checkpoint, 0)
        return round(100 * self.kept.get(checkpoint, 0) / checked) if checked else None

    @property
    def rows(self) -> list[tuple[str, int, int, int | None, int]]:
        """(checkpoint label, kept, checked, kept %, not checked) per checkpoint."""
        return [
            (
                label,
                self.kept.get(cp, 0),
                self.checked.get(cp, 0),
                self.share(cp),
                self.audience - self.checked.get(cp, 0),
            )
            for cp, label in zip(CHECKPOINTS, ("1 day", "7 days", "30 days"), strict=True)
        ]


def release_checks(release: Release) -> ReleaseChecks:
    """Kept counts and shares of the fans checked, per checkpoint (two queries)."""
    rows = (
        FanEvent.objects.filter(release=release, kind__in=list(KEPT), key__startswith="verify:")
        .values("data__checkpoint")
        .annotate(
            checked=Count("fan_id", distinct=True),
            kept=Count("fan_id", filter=~Q(kind=FanEventKind.SAVE_MISSING), distinct=True),
        )
    )
    checked = {str(r["data__checkpoint"]): r["checked"] for r in rows}
    kept = {str(r["data__checkpoint"]): r["kept"] for r in rows}
    tracks = (
        FanEvent.objects.filter(
            release=release, kind=FanEventKind.TRACK_SAVED, key__startswith="verify-track:"
        )
        .values("fan_id")
        .distinct()
        .count()
    )
    audience = PreSave.objects.filter(release=release).values("fan_id").distinct().count()
    return ReleaseChecks(audience, checked, kept, tracks)


CSV_HEADER = [
    "fan",
    "email",
    "kept_1d",
    "kept_7d",
    "kept_30d",
    "tracks_saved",
    "last_checked",
]


def csv_rows(release: Release) -> Iterator[list[str]]:
    """One row per pre-saver: kept / removed / not checked at each checkpoint."""
    results: dict[int, dict[str, str]] = {}
    last: dict[int, dt.datetime] = {}
    tracks: dict[int, int] = {}
    for event in FanEvent.objects.filter(_events(), release=release).order_by("created", "pk"):
        if event.kind == FanEventKind.TRACK_SAVED:
            tracks[event.fan_id] = tracks.get(event.fan_id, 0) + 1
        else:
            results.setdefault(event.fan_id, {})[str(event.data.get("checkpoint", ""))] = KEPT[
                event.kind
            ]
        last[event.fan_id] = event.created
    fans = (
        Fan.objects.filter(presaves__release=release)
        .distinct()
        .order_by("pk")
        .only("pk", "email", "display_name")
    )
    for fan in fans.iterator(chunk_size=500):
        found = results.get(fan.pk, {})
        yield [
            str(fan.pk),
            fan.email,
            *(found.get(cp, NOT_CHECKED) for cp in CHECKPOINTS),
            str(tracks.get(fan.pk, 0)),
            last[fan.pk].isoformat() if fan.pk in last else "",
        ]
