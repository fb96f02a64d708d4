"""Reads for the fans dashboard: current consents in SQL, the fans list, the email CSV rows
and the pre-saves of a release per day and platform.

The consent log is append-only; which row decides is the one rule in ``consents.py``.
Everything here is read-only; writes live in ``services.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.fans import consents
from fanloop.fans.models import (
    ConnectionStatus,
    Consent,
    ConsentKind,
    Fan,
    PlatformConnection,
    PreSave,
)
from fanloop.platforms.registry import PLATFORMS, chart_colors

EXPORT_CHUNK = 500
# Longest stretch of empty days the daily table fills in; beyond it only days with data show.
MAX_FILLED_DAYS = 400
# Platforms in the order the dashboard shows them, then the email-only "notify me".
PRESAVE_COLUMNS: tuple[tuple[str, str], ...] = (
    *((key, label) for key, (label, _) in PLATFORMS.items()),
    (PreSave.EMAIL_ONLY, "Email (notify me)"),
)
PLATFORM_LABELS = dict(PRESAVE_COLUMNS)
# Each column's colour in the dashboard's chart: the platform's own, grey for email.
COLUMN_COLORS: dict[str, str] = {**chart_colors(), PreSave.EMAIL_ONLY: "#8a8a8a"}


def latest_consents() -> QuerySet[Consent]:
    """The deciding row of every scope (workspace-wide and per artist) of every fan."""
    return consents.scope_decisions()


def active_consents(kind: str, artist: Artist | None = None) -> QuerySet[Consent]:
    """Active decisions of ``kind`` (email: confirmed ones only), by the one rule: for
    ``artist``, one row per fan; without one, every scope in which the fan is active (the
    workspace or any artist): what the fans list filter and the workspace's CSV show."""
    if artist is not None:
        return consents.active(kind, artist)
    return consents.active_for_any_sender(kind)


@dataclass(frozen=True)
class FanFilters:
    query: str = ""
    consent: str = ""  # a ConsentKind value
    platform: str = ""  # a platform key, or "email" for notify-me pre-savers
    status: str = ""  # "needs_reconnect"

    @property
    def any(self) -> bool:
        return bool(self.query or self.consent or self.platform or self.status)


def fan_list(workspace: Workspace, filters: FanFilters) -> QuerySet[Fan]:
    fans = Fan.objects.filter(workspace=workspace)
    if filters.query:
        q = filters.query
        fans = fans.filter(
            Q(email__icontains=q)
            | Q(display_name__icontains=q)
            | Q(connections__display_name__icontains=q)
        )
    if filters.consent:
        fans = fans.filter(Exists(active_consents(filters.consent).filter(fan=OuterRef("pk"))))
    if filters.platform == PreSave.EMAIL_ONLY:
        presaves = PreSave.objects.filter(fan=OuterRef("pk"), platform=PreSave.EMAIL_ONLY)
        fans = fans.filter(Exists(presaves))
    elif filters.platform:
        connections = PlatformConnection.objects.filter(
            fan=OuterRef("pk"), platform=filters.platform
        )
        fans = fans.filter(Exists(connections))
    if filters.status == ConnectionStatus.NEEDS_RECONNECT:
        broken = PlatformConnection.objects.filter(
            fan=OuterRef("pk"), status=ConnectionStatus.NEEDS_RECONNECT
        )
        fans = fans.filter(Exists(broken))
    return (
        fans.distinct()
        .annotate(presave_count=Count("presaves", distinct=True))
        .order_by("-created", "-pk")
    )


@dataclass
class FanSummary:
    """What one row of the fans list shows besides the fan itself."""

    connections: list[PlatformConnection] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)  # active kinds
    pending_email: bool = False


def summaries(fans: list[Fan]) -> dict[int, FanSummary]:
    """Connections and current consents of one page of fans, in two queries."""
    found = {fan.pk: FanSummary() for fan in fans}
    for connection in PlatformConnection.objects.filter(fan_id__in=found).order_by("platform"):
        found[connection.fan_id].connections.append(connection)
    for consent in latest_consents().filter(fan_id__in=found, granted=True):
        summary = found[consent.fan_id]
        if consent.kind == ConsentKind.EMAIL and consent.confirmed_at is None:
            summary.pending_email = True
        elif consent.kind not in summary.consents:
            summary.consents.append(consent.kind)
    order = [kind.value for kind in ConsentKind]
    for summary in found.values():
        summary.consents.sort(key=order.index)
    return found


# --- CSV of fans who consented to email ---------------------------------------------------

EMAIL_CSV_HEADER = (
    "email",
    "name",
    "country",
    "consented_for",
    "confirmed_at",
    "wording_version",
    "platforms",
    "presaves",
    "fan_since",
)


def email_export_rows(workspace: Workspace, artist: Artist | None = None) -> Iterator[list[str]]:
    """One row per fan whose current email consent is granted and confirmed.

    Fans are read in chunks so an export of any size streams in constant memory.
    """
    grants = active_consents(ConsentKind.EMAIL, artist)
    fans = (
        Fan.objects.filter(workspace=workspace)
        .exclude(email="")
        .filter(Exists(grants.filter(fan=OuterRef("pk"))))
        .order_by("pk")
    )
    last_pk = 0
    while True:
        chunk = list(fans.filter(pk__gt=last_pk)[:EXPORT_CHUNK])
        if not chunk:
            return
        last_pk = chunk[-1].pk
        ids = [fan.pk for fan in chunk]
        consents: dict[int, list[Consent]] = {}
        for consent in grants.filter(fan_id__in=ids).select_related("artist").order_by("pk"):
            consents.setdefault(consent.fan_id, []).append(consent)
        platforms: dict[int, list[str]] = {}
        for fan_id, platform in (
            PlatformConnection.objects.filter(fan_id__in=ids)
            .order_by("platform")
            .values_list("fan_id", "platform")
        ):
            platforms.setdefault(fan_id, []).append(platform)
        presaves = dict(
            PreSave.objects.filter(fan_id__in=ids)
            .values("fan_id")
            .annotate(n=Count("pk"))
            .values_list("fan_id", "n")
        )
        for fan in chunk:
            rows = consents.get(fan.pk, [])
            latest = rows[-1]
            senders = sorted({c.artist.name if c.artist else workspace.name for c in rows})
            confirmed = max(c.confirmed_at for c in rows if c.confirmed_at is not None)
            yield [
                fan.email,
                fan.display_name,
                fan.country,
                "; ".join(senders),
                confirmed.isoformat(),
                latest.wording_version,
                " ".join(platforms.get(fan.pk, [])),
                str(presaves.get(fan.pk, 0)),
                fan.created.isoformat(),
            ]


def csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or a tab / CR,
    which some spreadsheets skip before parsing) is prefixed with an apostrophe."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


# --- pre-saves per day and platform ---------------------------------------------------


@dataclass
class DailyRow:
    day: dt.date
    counts: dict[str, int]
    total: int
    cumulative: int


@dataclass
class PresaveSeries:
    rows: list[DailyRow]
    totals: dict[str, int]
    total: int
    columns: list[tuple[str, str]]  # (platform key, label) with at least one pre-save

    @property
    def peak(self) -> int:
        return max((row.total for row in self.rows), default=0)


def presave_series(release: Release) -> PresaveSeries:
    """Pre-saves of ``release`` per day (in TIME_ZONE) and platform, gaps filled with zeros."""
    counted = (
        PreSave.objects.filter(release=release)
        .annotate(day=TruncDate("created"))
        .values("day", "platform")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    by_day: dict[dt.date, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for item in counted:
        by_day.setdefault(item["day"], {})[item["platform"]] = item["n"]
        totals[item["platform"]] = totals.get(item["platform"], 0) + item["n"]
    days = sorted(by_day)
    if days and (days[-1] - days[0]).days <= MAX_FILLED_DAYS:
        days = [days[0] + dt.timedelta(days=n) for n in range((days[-1] - days[0]).days + 1)]
    columns = [(key, label) for key, label in PRESAVE_COLUMNS if totals.get(key)]
    columns += [(key, key) for key in sorted(totals) if key not in PLATFORM_LABELS]
    rows: list[DailyRow] = []
    cumulative = 0
    for day in days:
        counts = by_day.get(day, {})
        total = sum(counts.values())
        cumulative += total
        rows.append(
            DailyRow(day, {key: counts.get(key, 0) for key, _ in columns}, total, cumulative)
        )
    return PresaveSeries(rows, totals, sum(totals.values()), columns)


def presave_counts(releases: list[Release]) -> dict[int, dict[str, int]]:
    """Pre-saves per platform of several releases (the release picker)."""
    found: dict[int, dict[str, int]] = {r.pk: {} for r in releases}
    for release_id, platform, n in (
        PreSave.objects.filter(release_id__in=found)
        .values("release_id", "platform")
        .annotate(n=Count("pk"))
        .values_list("release_id", "platform", "n")
    ):
        found[release_id][platform] = n
    return found
