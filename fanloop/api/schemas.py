"""Request and response bodies of the API (pydantic models through django-ninja)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from ninja import Field, Schema
from pydantic import StringConstraints

from fanloop.catalog import platform_ids

T = TypeVar("T")

PlatformKey = Annotated[str, StringConstraints(max_length=20)]
# Pasted per platform (a key of GET /platforms): a share link, or for albums an id too.
PastedPerPlatform = dict[PlatformKey, Annotated[str, StringConstraints(max_length=300)]]
PLATFORM_KEYS_NOTE = f"Keys: {', '.join(platform_ids.keys())}."


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: Any = None


class ArtistOut(Schema):
    id: int
    name: str
    slug: str
    platform_ids: dict[str, str] = Field(description="The artist's id on each platform.")
    platform_links: dict[str, str] = Field(description="The artist's page on each platform.")
    created: dt.datetime

    @staticmethod
    def resolve_platform_ids(obj: Any) -> dict[str, str]:
        return platform_ids.artist_ids(obj)

    @staticmethod
    def resolve_platform_links(obj: Any) -> dict[str, str]:
        return platform_ids.artist_links(obj)


class ArtistIn(Schema):
    name: str = Field(max_length=120)
    slug: str = Field("", max_length=60, description="Empty: made from the name.")
    platform_links: PastedPerPlatform = Field(
        default_factory=dict,
        max_length=20,
        description=f"The artist's share link on each platform. {PLATFORM_KEYS_NOTE}",
    )


class ArtistPatch(Schema):
    name: str | None = Field(None, max_length=120)
    slug: str | None = Field(None, max_length=60)
    platform_links: PastedPerPlatform | None = Field(
        None,
        max_length=20,
        description='Links to change ("" removes one); platforms left out keep theirs.',
    )


class TrackIO(Schema):
    position: int | None = Field(None, ge=1, le=1000)
    title: str = Field(max_length=200)
    isrc: str = Field("", max_length=20)


class ReleaseOut(Schema):
    id: int
    artist_id: int
    title: str
    slug: str
    release_type: str
    upc: str
    label_line: str
    description: str
    release_mode: str
    release_date: dt.date
    release_time: str = Field(
        description="HH:MM in release_time_zone (global mode; local mode is always 00:00)."
    )
    release_time_zone: str
    platform_ids: dict[str, str] = Field(description="The album's id on each platform.")
    consents_upfront: bool
    focus_track: int | None
    published: bool
    public_url: str
    tracks: list[TrackIO]
    created: dt.datetime
    updated: dt.datetime

    @staticmethod
    def resolve_release_time(obj: Any) -> str:
        return str(obj.release_time.strftime("%H:%M"))

    @staticmethod
    def resolve_platform_ids(obj: Any) -> dict[str, str]:
        return platform_ids.release_ids(obj)

    @staticmethod
    def resolve_tracks(obj: Any) -> list[dict[str, Any]]:
        return [
            {"position": t.position, "title": t.title, "isrc": t.isrc} for t in obj.tracks.all()
        ]


# Dates the catalog can place in every market's time zone.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _ReleaseFields(Schema):
    release_type: str | None = Field(None, max_length=10)
    upc: str | None = Field(None, max_length=20)
    label_line: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    release_mode: str | None = Field(None, max_length=10)
    release_time: str | None = Field(None, pattern=TIME_PATTERN, description="HH:MM, 24-hour.")
    release_time_zone: str | None = Field(None, max_length=64)
    platform_ids: PastedPerPlatform | None = Field(
        None,
        max_length=20,
        description='Album ids or share links per platform ("" removes one); platforms '
        f"left out keep theirs. {PLATFORM_KEYS_NOTE}",
    )
    consents_upfront: bool | None = None
    focus_track: int | None = Field(None, ge=1, le=1000)
    tracks: list[TrackIO] | None = Field(None, max_length=100)


class ReleaseIn(_ReleaseFields):
    artist_id: int
    title: str = Field(max_length=200)
    slug: str = Field("", max_length=80, description="Empty: made from the title.")
    release_date: dt.date = Field(ge=MIN_DATE, le=MAX_DATE)


class ReleasePatch(_ReleaseFields):
    artist_id: int | None = None
    title: str | None = Field(None, max_length=200)
    slug: str | None = Field(None, max_length=80)
    release_date: dt.date | None = Field(None, ge=MIN_DATE, le=MAX_DATE)


class FanBrief(Schema):
    id: int
    email: str
    display_name: str
    country: str


class PresaveOut(Schema):
    id: int
    release_id: int
    platform: str
    fan: FanBrief
    country: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    created: dt.datetime


class ConnectionOut(Schema):
    platform: str
    status: str
    display_name: str
    country: str


class FanOut(Schema):
    id: int
    email: str
    display_name: str
    country: str
    created: dt.datetime
    presave_count: int
    consents: list[str] = Field(description="Consents the fan has given and not withdrawn.")
    email_consent_pending: bool
    connections: list[ConnectionOut]


class FanDetailOut(FanOut):
    score: int = Field(description="Engagement score over all releases (see /w/…/flows/score).")
    release_scores: dict[str, int]
    tags: list[str]


class FanEventOut(Schema):
    id: int
    fan_id: int
    kind: str
    actor: str
    artist_id: int | None
    release_id: int | None
    platform: str
    data: dict[str, Any]
    created: dt.datetime


class StepOut(Schema):
    id: str
    type: str
    counts: dict[str, int]


class FlowOut(Schema):
    id: int
    name: str
    status: str
    dry_run: bool
    artist_id: int | None
    version: int | None
    trigger: str | None
    open_journeys: int


class FlowDetailOut(FlowOut):
    steps: list[StepOut]


class DeliveryCounts(Schema):
    delivered: int
    pending: int
    failed: int
    needs_reconnect: int


class PlatformDeliveryOut(Schema):
    platform: str
    status: str
    presavers: int
    counts: DeliveryCounts


class DeliveryOut(Schema):
    release_id: int
    presavers: int
    started: bool
    done: bool
    percent: int
    eta_seconds: int | None
    counts: DeliveryCounts
    platforms: list[PlatformDeliveryOut]


class SegmentAction(Schema):
    did: bool = Field(True, description="false: the fan did NOT do it.")
    kind: str = Field(max_length=30, description="A fan act: presaved, saved, followed, …")
    release: int | None = Field(None, ge=1, description="On this release …")
    artist: int | None = Field(None, ge=1, description="… or on any release of this artist.")
    since: dt.date | None = Field(None, description="First day (UTC), included.")
    until: dt.date | None = Field(None, description="Last day (UTC), included.")


class SegmentRules(Schema):
    """Every condition given must hold; a list matches any of its values."""

    platforms: list[str] = Field(default_factory=list, max_length=20)
    countries: list[str] = Field(default_factory=list, max_length=20)
    sources: list[str] = Field(default_factory=list, max_length=20)
    consents: list[str] = Field(default_factory=list, max_length=20)
    score_min: int | None = Field(None, ge=1, le=1_000_000)
    score_top: int | None = Field(None, ge=1, le=100, description="Top N % by score.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    actions: list[SegmentAction] = Field(default_factory=list, max_length=5)


class SegmentOut(Schema):
    id: int
    name: str
    rules: SegmentRules
    track_entries: bool
    created: dt.datetime
    updated: dt.datetime


class SegmentIn(Schema):
    name: str = Field(max_length=120)
    rules: SegmentRules | None = None
    track_entries: bool = Field(False, description="Start “joined_segment” flows.")


class SegmentPatch(Schema):
    name: str | None = Field(None, max_length=120)
    rules: SegmentRules | None = None
    track_entries: bool | None = None


class CountOut(Schema):
    count: int


class BroadcastStatsOut(Schema):
    audience: int = Field(description="The segment's members when it started.")
    sent: int
    waiting: int = Field(description="Not tried yet, or deferred (quiet hours, mail server).")
    skipped: dict[str, int] = Field(description="Not sent, by reason (an outbox status).")
    opened: int
    clicked: int
    unsubscribed: int = Field(description="Fans of the audience who unsubscribed since.")
    percent: int


class BroadcastOut(Schema):
    id: int
    name: str
    segment_id: int
    template_id: int | None = Field(description="Null once the template was deleted.")
    status: str
    send_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    stats: BroadcastStatsOut | None = Field(description="Once it has started.")
    created: dt.datetime


class BroadcastIn(Schema):
    name: str = Field(max_length=120)
    segment_id: int
    template_id: int


class ScheduleIn(Schema):
    send_at: dt.datetime | None = Field(None, description="Empty or past: now.")


class Page(Schema, Generic[T]):
    """One page of a list: ``items`` in id order and the next page's URL."""

    items: list[T]
    next: str | None = Field(description="The next page's URL; null on the last page.")


# The problem answers every route may give (documented in the OpenAPI description).
class FunnelStageOut(Schema):
    stage: str
    count: int
    verifiable: int | None = Field(None, description="Fans a library check could look at.")
    share_of_previous: float | None
    share_of_visits: float | None


class FunnelOut(Schema):
    release: int
    start: dt.date
    end: dt.date
    stages: list[FunnelStageOut]
    presaves_by_platform: dict[str, int]
    breakdown: str
    rows: list[dict[str, Any]]
    events_waiting: int = Field(description="Fan events not yet folded into the numbers.")


class LeverageCountOut(Schema):
    k: int
    n: int


class LeverageRowOut(Schema):
    action: str
    n: int
    k: int
    share: float | None
    interval: tuple[float, float] | None
    lift: float | None
    short_term_share: float | None
    role: str


class LeverageOut(Schema):
    artist: int | None
    interval: str
    baseline: LeverageCountOut
    rows: list[LeverageRowOut]
    computed_at: str | None = Field(
        description="When the stored groups the table is built from were computed (ISO 8601)."
    )
    events_waiting: int = Field(description="Fan events not yet folded into the numbers.")


ERRORS: dict[Any, type[Schema]] = {frozenset({400, 401, 403, 404, 409, 422, 429}): ProblemOut}
