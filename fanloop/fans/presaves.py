"""Pre-saves: one per (release, fan, platform), with the attribution of the visit that won it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

from fanloop.analytics.fan_events import NewFanEvent, record_fan_event, record_fan_events
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.fans.consent_log import record_consent
from fanloop.fans.identity import clip, country_code, same_workspace, upsert_fan_for_connection
from fanloop.fans.models import Consent, Fan, PlatformConnection, PreSave
from fanloop.lib.db import atomic_insert_race
from fanloop.lib.hooks import Hooks
from fanloop.platforms.registry import PLATFORMS, UnknownPlatform

if TYPE_CHECKING:
    from fanloop.analytics.models import Event
    from fanloop.catalog.models import Artist, Release
    from fanloop.platforms.base import Profile, Tokens
    from fanloop.platforms.models import PlatformApp


PRESAVE_PLATFORMS = frozenset({*PLATFORMS, PreSave.EMAIL_ONLY})

# Called by record_presave inside its transaction when a pre-save is new (not on a
# re-pre-save): fulfillment adds a market wave the release has no wave for yet.
presave_created: Hooks[PreSave] = Hooks("pre-save created")


def presaves_of(fan: Fan) -> QuerySet[PreSave]:
    """The fan's pre-saves, newest first, with their release and artist (the fan's pages)."""
    return (
        PreSave.objects.filter(fan=fan)
        .select_related("release", "release__artist")
        .order_by("-created", "-pk")
    )


@dataclass(frozen=True)
class Attribution:
    """Where a pre-save came from, carried over from the event log of the visit."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer_host: str = ""
    landing_page: str = ""
    country: str = ""
    # The visitor id the event log gave the visit (see ``PreSave.visitor_id``).
    visitor_id: str = ""

    @classmethod
    def from_event(cls, event: Event, landing_page: str = "") -> Attribution:
        return cls(
            utm_source=event.utm_source,
            utm_medium=event.utm_medium,
            utm_campaign=event.utm_campaign,
            referrer_host=event.referrer_host,
            landing_page=landing_page,
            country=event.country,
            visitor_id=event.visitor_id,
        )

    def cleaned(self) -> dict[str, str]:
        """Column-ready values: printable, cut to each column's length."""
        values: dict[str, str] = {}
        for item in fields(self):
            if item.name == "country":
                values["country"] = country_code(self.country)
            else:
                column = PreSave._meta.get_field(item.name)
                length = getattr(column, "max_length", None) or 100
                values[item.name] = clip(getattr(self, item.name), length)
        return values


def record_presave(
    fan: Fan,
    release: Release,
    platform: str,
    *,
    connection: PlatformConnection | None = None,
    attribution: Attribution | None = None,
    chosen_platform: str = "",
) -> tuple[PreSave, bool]:
    """One pre-save per (release, fan, platform); ``created`` is False for a re-pre-save.

    A re-pre-save updates the connection (and fills attribution it lacked) but keeps the
    first visit's attribution: the pre-save belongs to the source that won it.
    Safe under concurrent submissions: the loser of the insert race re-reads and updates.
    """
    if platform not in PRESAVE_PLATFORMS:
        raise UnknownPlatform(platform)
    if chosen_platform and (platform != PreSave.EMAIL_ONLY or chosen_platform not in PLATFORMS):
        raise UnknownPlatform(chosen_platform)
    same_workspace(fan, release.artist.workspace_id, "the release")
    if connection is not None and (connection.fan_id != fan.pk or connection.platform != platform):
        raise ValueError("the connection is not this fan's connection to this platform")
    values = (attribution or Attribution()).cleaned()

    def record() -> tuple[PreSave, bool]:
        existing = PreSave.objects.filter(release=release, fan=fan, platform=platform).first()
        if existing is not None:
            _update_presave(existing, connection, values, chosen_platform)
            return existing, False
        presave = PreSave.objects.create(
            release=release,
            fan=fan,
            platform=platform,
            connection=connection,
            chosen_platform=chosen_platform,
            **values,
        )
        record_fan_event(
            fan,
            FanEventKind.PRESAVED,
            key=f"presave:{presave.pk}",
            actor=Actor.FAN,
            release=release,
            platform=platform,
        )
        presave_created.run(presave)
        return presave, True

    return atomic_insert_race(record)


def record_presaves_in_bulk(
    release: Release,
    platform: str,
    entries: Iterable[tuple[Fan, Attribution]],
    *,
    at: dt.datetime | None = None,
) -> list[PreSave]:
    """Many fans' pre-saves of one release in one transaction (an import of pre-saves made
    elsewhere, a history): each new pre-save and its ``presaved`` event as ``record_presave``
    writes them, a few statements per 500 rows instead of a few per fan. A fan who has this
    pre-save already keeps it as it is (the first pre-save keeps its attribution), as does a
    fan listed twice. ``at`` dates pre-saves made before now. The schedule hook runs once
    per new market, not once per fan: it only asks fulfillment for a wave the release has
    none for yet. Returns the new pre-saves."""
    if platform not in PRESAVE_PLATFORMS:
        raise UnknownPlatform(platform)
    workspace_id = release.artist.workspace_id
    with transaction.atomic():
        seen = set(
            PreSave.objects.filter(release=release, platform=platform).values_list(
                "fan_id", flat=True
            )
        )
        rows = []
        for fan, attribution in entries:
            same_workspace(fan, workspace_id, "the release")
            if fan.pk in seen:
                continue
            seen.add(fan.pk)
            presave = PreSave(release=release, fan=fan, platform=platform, **attribution.cleaned())
            if at is not None:
                presave.created = at
            rows.append(presave)
        created = PreSave.objects.bulk_create(rows, batch_size=500)
        record_fan_events((_presaved_event(p, workspace_id) for p in created), at=at)
        markets: set[str] = set()
        for presave in created:
            if presave.country not in markets:
                markets.add(presave.country)
                presave_created.run(presave)
    return created


def _presaved_event(presave: PreSave, workspace_id: int) -> NewFanEvent:
    return NewFanEvent(
        workspace_id=workspace_id, fan_id=presave.fan_id, kind=FanEventKind.PRESAVED,
        key=f"presave:{presave.pk}", actor=Actor.FAN, artist_id=presave.release.artist_id,
        release_id=presave.release_id, platform=presave.platform,
    )  # fmt: skip


def _update_presave(
    presave: PreSave,
    connection: PlatformConnection | None,
    values: dict[str, str],
    chosen_platform: str = "",
) -> None:
    changed = ["updated"]
    if chosen_platform and presave.chosen_platform != chosen_platform:
        presave.chosen_platform = chosen_platform  # the fan's latest choice
        changed.append("chosen_platform")
    if connection is not None and presave.connection_id != connection.pk:
        presave.connection = connection
        changed.append("connection")
    for name, value in values.items():
        if value and not getattr(presave, name):
            setattr(presave, name, value)
            changed.append(name)
    presave.save(update_fields=changed)


@dataclass(frozen=True)
class PreSaveRecorded:
    """What ``record_platform_presave`` did: the rows, and what was new."""

    fan: Fan
    connection: PlatformConnection
    presave: PreSave
    consents: tuple[Consent, ...]
    # No fan of the workspace was this person before.
    fan_created: bool
    connection_created: bool
    # False for a re-pre-save of the same release on the same platform.
    presave_created: bool
    # The fan is the one this platform user had connected as before (not merged away).
    known_by_platform_user: bool


def record_platform_presave(
    release: Release,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    *,
    page: str,
    fan: Fan | None = None,
    attribution: Attribution | None = None,
    consent_kinds: Iterable[str] = (),
) -> PreSaveRecorded:
    """A fan's pre-save through a platform, in one transaction, all or nothing: the fan
    (found or created, see ``upsert_fan_for_connection``; ``fan`` is the one this browser
    already proved to be), the connection and its tokens, the pre-save with its
    attribution and event, and the consents the fan ticked (granted on ``page``, for the
    release's artist). The delivery schedule follows after the commit (fulfillment)."""
    with transaction.atomic():
        connected = upsert_fan_for_connection(
            release.artist.workspace, app, profile, tokens, fan=fan
        )
        presave, presave_created = record_presave(
            connected.fan,
            release,
            app.platform,
            connection=connected.connection,
            attribution=attribution,
        )
        consents = tuple(
            record_consent(connected.fan, kind, True, page=page, artist=release.artist)
            for kind in consent_kinds
        )
    return PreSaveRecorded(
        fan=connected.fan,
        connection=connected.connection,
        presave=presave,
        consents=consents,
        fan_created=connected.fan_created,
        connection_created=connected.connection_created,
        presave_created=presave_created,
        known_by_platform_user=connected.known_by_platform_user,
    )


@dataclass(frozen=True)
class OptInRecorded:
    """What ``record_platform_optin`` did."""

    fan: Fan
    connection: PlatformConnection
    consents: tuple[Consent, ...]
    fan_created: bool
    known_by_platform_user: bool


def record_platform_optin(
    artist: Artist,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    *,
    page: str,
    consent_kinds: Iterable[str],
    fan: Fan | None = None,
) -> OptInRecorded:
    """A fan who connects after a release is out, to follow the artist or have their next
    releases saved: the fan (found or created), the connection and its tokens, and the
    consents the fan ticked, in one transaction. No pre-save: the release is out already;
    the next release's delivery acts on the consents (fulfillment)."""
    with transaction.atomic():
        connected = upsert_fan_for_connection(artist.workspace, app, profile, tokens, fan=fan)
        consents = tuple(
            record_consent(connected.fan, kind, True, page=page, artist=artist)
            for kind in consent_kinds
        )
    return OptInRecorded(
        fan=connected.fan,
        connection=connected.connection,
        consents=consents,
        fan_created=connected.fan_created,
        known_by_platform_user=connected.known_by_platform_user,
    )
