"""Condition checks of flow steps, evaluated for one fan (and the journey's release/artist).

"Saved" means verified on the platform: a ``save_verified`` or ``save_kept_*`` event of the
release whose latest check did not find the save missing (``save_missing``). A save made
through a one-click page or the API (``saved``) is not a verification by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan, PlatformConnection, PreSave
from fanloop.fans.services import consent_is_active, current_consents
from fanloop.flows.models import FanTag

SAVE_CHECKS = (
    FanEventKind.SAVE_VERIFIED,
    FanEventKind.SAVE_KEPT_7D,
    FanEventKind.SAVE_KEPT_30D,
    FanEventKind.SAVE_MISSING,
)
FOLLOW_EVENTS = (FanEventKind.FOLLOW_VERIFIED, FanEventKind.FOLLOWED)


@dataclass(frozen=True)
class Subject:
    """Who and what a condition is about: the fan, and the journey's release and artist."""

    fan: Fan
    release: Release | None
    artist: Artist | None


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
    from fanloop.flows.scoring import engagement_score

    score = engagement_score(subject.fan, subject.release)
    return score >= int(value), f"engagement score {score}"


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


CHECKS: dict[str, Callable[[Subject, Any], tuple[bool, str]]] = {
    "has_saved": has_saved,
    "is_following": is_following,
    "engagement_at_least": engagement_at_least,
    "platform": platform,
    "country": country,
    "consent": consent,
    "segment": segment,
}
