"""Condition checks of flow steps, evaluated for one fan (and the journey's release/artist).

"Saved" (``has_saved``) means verified on the platform: a ``save_verified`` or
``save_kept_*`` event of the release whose latest check did not find the save missing
(``save_missing``). "In the library" (``in_library``) is what fanloop knows without a
check: the release was saved (by fanloop on release day, or by the fan) and no later check
found it removed; a fan who removed it is not in the library, a fan never checked is.

Fan acts count by default: ``did`` is true for events the fan initiated; its value may name
fanloop's own actions explicitly (``saved:fanloop``, ``saved:any``). ``engagement_at_least``
takes a score (``5``) or a share of the release's audience in this flow (``top 30%``): the
fans with a journey of the same flow for the same release, scored alike (see ``scoring``).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.consent_log import consent_is_active, current_consents
from fanloop.fans.models import Fan, PlatformConnection, PreSave
from fanloop.flows import scoring, segments
from fanloop.flows.models import FanTag, Flow, Journey, Segment
from fanloop.fulfillment.models import ReleasePlatform
from fanloop.platforms.base import Capability
from fanloop.platforms.registry import keys_with

SAVE_CHECKS = (
    FanEventKind.SAVE_VERIFIED,
    FanEventKind.SAVE_KEPT_7D,
    FanEventKind.SAVE_KEPT_30D,
    FanEventKind.SAVE_MISSING,
)
FOLLOW_EVENTS = (FanEventKind.FOLLOW_VERIFIED, FanEventKind.FOLLOWED)
# The release's presence in the fan's library: saves (anyone's) and what checks found.
LIBRARY_EVENTS = (FanEventKind.SAVED, *SAVE_CHECKS)
# The platforms able to do each value of the condition (Apple Music has no follow).
CAPABLE_PLATFORMS = {
    "save": keys_with(Capability.SAVE),
    "follow": keys_with(Capability.FOLLOW),
}
_TOP = re.compile(r"^top\s*(\d{1,3})\s*%?$", re.IGNORECASE)


def top_percent(value: Any) -> int | None:
    """N of a relative engagement value "top N%", or None for an absolute score."""
    match = _TOP.match(str(value).strip())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Subject:
    """Who and what a condition is about: the fan, and the journey's release and artist."""

    fan: Fan
    release: Release | None
    artist: Artist | None
    flow_id: int | None = None


def evaluate(step: dict[str, Any], subject: Subject) -> tuple[bool, str]:
    """(met, why) for a validated condition step, ``negate`` applied."""
    check = step["check"]
    met, why = CHECKS[check](subject, step.get("value"))
    if step.get("negate"):
        return not met, why
    return met, why


def has_saved(subject: Subject, value: Any = None) -> tuple[bool, str]:
    if subject.release is None:
        return False, "no release in this journey"
    latest = (
        FanEvent.objects.filter(fan=subject.fan, release=subject.release, kind__in=SAVE_CHECKS)
        .order_by("-id")
        .values_list("kind", flat=True)
        .first()
    )
    if latest is None:
        return False, "no verified save"
    if latest == FanEventKind.SAVE_MISSING:
        return False, "the save was not found at the last check"
    return True, "save verified"


def is_following(subject: Subject, value: Any = None) -> tuple[bool, str]:
    if subject.artist is None:
        return False, "no artist in this journey"
    follows = FanEvent.objects.filter(
        fan=subject.fan, artist=subject.artist, kind__in=FOLLOW_EVENTS
    ).exists()
    return follows, "following" if follows else "not following"


def engagement_at_least(subject: Subject, value: Any) -> tuple[bool, str]:
    score = scoring.engagement_score(subject.fan, subject.release)
    percent = top_percent(value)
    if percent is None:
        return score >= int(value), f"engagement score {score}"
    if subject.release is None or subject.flow_id is None:
        return False, "no release audience to compare with"
    size, ranked = _ranking(subject.flow_id, subject.release, scoring.audience_scores)
    places = math.ceil(size * percent / 100)
    # The score the last place of the top N % needs (ties at the edge are all in).
    bar = ranked[places - 1] if 0 < places <= len(ranked) else 0
    met = score > 0 and score >= bar
    return met, f"engagement score {score}; top {percent}% of {size} fans needs {max(bar, 1)}"


# The audience's ranking, computed once per flow and release per RANKING_TTL_S in each
# process: the fans reaching the step together (a release-day cohort) are ranked alike,
# and a cohort of N fans costs one scoring query, not N.
RANKING_TTL_S = 60.0
_RANKINGS: dict[tuple[int, Any, int], tuple[float, int, list[int]]] = {}


def _ranking(flow_id: int, release: Release, score: Any) -> tuple[int, list[int]]:
    """(audience size, its scores best first) of the flow's journeys for ``release``."""
    created = Flow.objects.filter(pk=flow_id).values_list("created", flat=True).first()
    key = (flow_id, created, release.pk)
    now = time.monotonic()
    hit = _RANKINGS.get(key)
    if hit is not None and now - hit[0] < RANKING_TTL_S:
        return hit[1], hit[2]
    audience = Journey.objects.filter(flow_id=flow_id, release=release)
    size = audience.count()
    ranked = sorted(score(audience.values("fan_id"), release).values(), reverse=True)
    if len(_RANKINGS) > 1000:
        _RANKINGS.clear()
    _RANKINGS[key] = (now, size, ranked)
    return size, ranked


def did(subject: Subject, value: Any) -> tuple[bool, str]:
    """The fan did ``kind`` for this journey's release (or artist); ``kind:fanloop`` and
    ``kind:any`` count what fanloop did for the fan too."""
    kind, _, who = str(value).partition(":")
    events = FanEvent.objects.filter(fan=subject.fan, kind=kind)
    if subject.release is not None:
        events = events.filter(
            Q(release=subject.release) | Q(release__isnull=True, artist=subject.release.artist_id)
        )
    if who in ("", "fan"):
        events = events.filter(actor=Actor.FAN)
    elif who == "fanloop":
        events = events.filter(actor=Actor.FANLOOP)
    found = events.exists()
    by = {"": "", "fan": "", "fanloop": " (by fanloop)", "any": " (by anyone)"}[who]
    label = FanEventKind(kind).label.lower()
    return found, f"{label}{by}" if found else f"not {label}{by}"


def acted_since_release(subject: Subject, value: Any = None) -> tuple[bool, str]:
    """At least one act of the fan after the release came out: a click, a save, a track
    save, a follow (an open alone is not an act: mail clients open by themselves)."""
    if subject.release is None:
        return False, "no release in this journey"
    live = (
        FanEvent.objects.filter(
            fan=subject.fan, release=subject.release, kind=FanEventKind.RELEASE_LIVE
        )
        .order_by("created")
        .values_list("created", flat=True)
        .first()
    ) or subject.release.global_instant()
    acted = FanEvent.objects.filter(
        Q(release=subject.release)
        | Q(artist=subject.release.artist_id, kind=FanEventKind.FOLLOWED),
        fan=subject.fan,
        actor=Actor.FAN,
        kind__in=scoring.POST_RELEASE_ACTS,
        created__gte=live,
    ).exists()
    return acted, "acted since the release" if acted else "nothing done since the release"


def in_library(subject: Subject, value: Any = None) -> tuple[bool, str]:
    if subject.release is None:
        return False, "no release in this journey"
    latest = (
        FanEvent.objects.filter(fan=subject.fan, release=subject.release, kind__in=LIBRARY_EVENTS)
        .order_by("-created", "-id")
        .values_list("kind", "actor")
        .first()
    )
    if latest is None:
        return False, "not saved"
    if latest[0] == FanEventKind.SAVE_MISSING:
        return False, "removed from the library at the last check"
    if latest[0] == FanEventKind.SAVED and latest[1] == Actor.FANLOOP:
        return True, "saved by fanloop on release day"
    return True, "in the library"


def follow_platforms(fan: Fan) -> list[str]:
    """The platforms the fan is connected to that can follow an artist. A pre-save alone
    does not count: a follow goes through the fan's own connection, and a fan whose only
    platform cannot follow (Apple Music) must not be asked to follow elsewhere."""
    connected = PlatformConnection.objects.filter(
        fan=fan, platform__in=CAPABLE_PLATFORMS["follow"]
    ).values_list("platform", flat=True)
    return sorted(set(connected))


def can_do(subject: Subject, value: Any) -> tuple[bool, str]:
    """The fan uses a platform that can do ``value`` (save; follow: a connection to a
    platform that can follow; save_track: a platform where the release's tracks are
    known)."""
    if value == "follow":
        fit = follow_platforms(subject.fan)
        if fit:
            return True, f"can follow on {', '.join(fit)}"
        return False, "no connection of the fan can follow"
    able: tuple[str, ...] = CAPABLE_PLATFORMS.get(str(value), ())
    if value == "save_track":
        if subject.release is None or not subject.release.tracks.exists():
            return False, "the release has no track list"
        able = tuple(
            ReleasePlatform.objects.filter(release=subject.release)
            .exclude(track_ids=[])
            .values_list("platform", flat=True)
        )
    uses = set(
        PlatformConnection.objects.filter(fan=subject.fan).values_list("platform", flat=True)
    )
    uses |= set(PreSave.objects.filter(fan=subject.fan).values_list("platform", flat=True))
    fit = sorted(uses & set(able))
    if fit:
        return True, f"can {value} on {', '.join(fit)}"
    return False, f"no platform of the fan can {value}"


def platform(subject: Subject, value: Any) -> tuple[bool, str]:
    uses = (
        PlatformConnection.objects.filter(fan=subject.fan, platform=value).exists()
        or PreSave.objects.filter(fan=subject.fan, platform=value).exists()
    )
    return uses, f"{'uses' if uses else 'does not use'} {value}"


def country(subject: Subject, value: Any) -> tuple[bool, str]:
    fan_country = (subject.fan.country or "").upper()
    return fan_country == str(value).upper(), f"country {fan_country or 'unknown'}"


def consent(subject: Subject, value: Any) -> tuple[bool, str]:
    latest = current_consents(subject.fan, artist=subject.artist).get(str(value))
    active = consent_is_active(latest)
    return active, f"{value} consent {'active' if active else 'not given'}"


def segment(subject: Subject, value: Any) -> tuple[bool, str]:
    tagged = FanTag.objects.filter(fan=subject.fan, tag=str(value)).exists()
    return tagged, f"{'in' if tagged else 'not in'} segment {value}"


def in_segment(subject: Subject, value: Any) -> tuple[bool, str]:
    """In the saved segment ``value`` (an id) now, by its compiled query."""
    saved = Segment.objects.filter(pk=int(value), workspace_id=subject.fan.workspace_id).first()
    if saved is None:
        return False, f"segment #{value} no longer exists"
    found = segments.contains(saved, subject.fan)
    return found, f"{'in' if found else 'not in'} segment “{saved.name}”"


CHECKS: dict[str, Callable[[Subject, Any], tuple[bool, str]]] = {
    "has_saved": has_saved,
    "is_following": is_following,
    "engagement_at_least": engagement_at_least,
    "did": did,
    "acted_since_release": acted_since_release,
    "in_library": in_library,
    "can_do": can_do,
    "platform": platform,
    "country": country,
    "consent": consent,
    "segment": segment,
    "in_segment": in_segment,
}
