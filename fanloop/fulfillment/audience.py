"""Who receives a release on a platform, and in which market: pre-savers plus forever-save fans.

The market of a fan is the country of their platform account, else the country of the
pre-save, else the fan's; a country without a known time zone (or a global-mode release)
is market "" (the release's fallback instant). Consents count by the one rule of
``fans/consents.py``: the latest decision for this artist or for every artist wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from fanloop.catalog.models import Artist, Release, ReleaseMode
from fanloop.fans import consents
from fanloop.fans.models import ConsentKind, PlatformConnection, PreSave
from fanloop.fulfillment.models import DeliverySource
from fanloop.lib.markets import MARKET_TIME_ZONES
from fanloop.platforms import registry
from fanloop.platforms.base import Capability

EMAIL = PreSave.EMAIL_ONLY  # pseudo platform: RELEASE_LIVE events only, no deliveries


@dataclass(frozen=True)
class Recipient:
    fan_id: int
    connection_id: int | None
    market: str
    source: str
    follow: bool


def market_for(release: Release, *countries: str | None) -> str:
    if release.release_mode == ReleaseMode.GLOBAL:
        return ""
    for country in countries:
        code = (country or "").upper()
        if code:
            return code if code in MARKET_TIME_ZONES else ""
    return ""


def active_consents(
    kind: ConsentKind, artist: Artist, fan_ids: Iterable[int] | None = None
) -> set[int]:
    """Fans whose ``kind`` consent for ``artist`` is active by the one rule (one query)."""
    rows = consents.active(kind, artist)
    if fan_ids is not None:
        rows = rows.filter(fan_id__in=list(fan_ids))
    return set(rows.values_list("fan_id", flat=True))


def can_follow(platform: str, scopes: frozenset[str]) -> bool:
    """A grant of ``scopes`` on ``platform`` lets fanloop follow (Apple Music has no follow)."""
    return registry.allows(platform, Capability.FOLLOW, scopes)


def recipients(release: Release, platform: str) -> list[Recipient]:
    """Everyone ``release`` goes to on ``platform`` (email: the email-only pre-savers)."""
    presavers = PreSave.objects.filter(release=release, platform=platform)
    presaves = list(presavers.values_list("fan_id", "country", "fan__country"))
    if platform == EMAIL:
        return [
            Recipient(fan_id, None, market_for(release, country, fan_country), "presave", False)
            for fan_id, country, fan_country in presaves
        ]
    artist = release.artist
    forever = active_consents(ConsentKind.FOREVER_SAVE, artist)
    # Subqueries, not lists of ids: a release's audience can be 100,000 fans, and a list
    # that long cost seconds to bind per query (measured on PostgreSQL, 6,000 fans: most
    # of the tick that starts a wave).
    forever_fans = consents.active(ConsentKind.FOREVER_SAVE, artist).values("fan_id")
    connections = {
        c.fan_id: c
        for c in PlatformConnection.objects.filter(platform=platform)
        .filter(Q(fan_id__in=presavers.values("fan_id")) | Q(fan_id__in=forever_fans))
        .only("pk", "fan_id", "country", "scopes", "platform")
    }
    follows = active_consents(ConsentKind.FOLLOW, artist)
    found: dict[int, Recipient] = {}
    for fan_id, country, fan_country in presaves:
        connection = connections.get(fan_id)
        if connection is None:
            continue
        found[fan_id] = _recipient(
            release, connection, DeliverySource.PRESAVE, fan_id in follows, country, fan_country
        )
    for fan_id in forever - found.keys():
        connection = connections.get(fan_id)
        if connection is not None:
            found[fan_id] = _recipient(
                release, connection, DeliverySource.FOREVER_SAVE, fan_id in follows, None, None
            )
    return list(found.values())


def _recipient(
    release: Release,
    connection: PlatformConnection,
    source: str,
    follows: bool,
    country: str | None,
    fan_country: str | None,
) -> Recipient:
    return Recipient(
        fan_id=connection.fan_id,
        connection_id=connection.pk,
        market=market_for(release, connection.country, country, fan_country),
        source=source,
        follow=follows and can_follow(connection.platform, connection.scope_set),
    )


def platforms_of(release: Release) -> list[str]:
    """Platforms with pre-savers of ``release``, plus those of forever-save fans' connections."""
    found = set(PreSave.objects.filter(release=release).values_list("platform", flat=True))
    forever = active_consents(ConsentKind.FOREVER_SAVE, release.artist)
    if forever:
        found |= set(
            PlatformConnection.objects.filter(fan_id__in=forever).values_list("platform", flat=True)
        )
    return sorted(found)
