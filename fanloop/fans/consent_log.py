"""The consent log: each decision appended with its exact wording, and the deciding rows read
back through the one rule of ``fans/consents.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.fans import consents
from fanloop.fans.identity import clip, same_workspace
from fanloop.fans.models import (
    Consent,
    ConsentKind,
    Fan,
)

if TYPE_CHECKING:
    from fanloop.catalog.models import Artist


def _kind(kind: str) -> ConsentKind:
    try:
        return ConsentKind(kind)
    except ValueError:
        raise ValueError(f"unknown consent kind: {kind!r}") from None


def sender_name(fan: Fan, artist: Artist | None) -> str:
    return artist.name if artist is not None else fan.workspace.name


def record_consent(
    fan: Fan,
    kind: str,
    granted: bool,
    *,
    page: str,
    artist: Artist | None = None,
    confirmed: bool = False,
) -> Consent:
    """Append one decision to the consent log with the exact wording shown, its version,
    the page and the time. An email grant stays pending until confirmed (double opt-in).
    ``fan.consented`` is rewritten in the same transaction."""
    consent_kind = _kind(kind)
    if artist is not None:
        same_workspace(fan, artist.workspace_id, "the artist")
    version, text = consents.render(consent_kind, sender_name(fan, artist))
    with transaction.atomic():
        consents.lock_fans([fan.pk])
        now = timezone.now()
        consent = Consent.objects.create(
            fan=fan,
            kind=consent_kind,
            granted=granted,
            artist=artist,
            wording_version=version,
            wording=text,
            page=clip(page, 300),
            confirmed_at=(
                now if (granted and confirmed and consent_kind == ConsentKind.EMAIL) else None
            ),
            created=now,
        )
        fan.consented = consents.refresh_consented([fan.pk])[fan.pk]
    if granted and consent_kind == ConsentKind.FOREVER_SAVE:
        record_fan_event(
            fan,
            FanEventKind.FOREVER_SAVE_OPTIN,
            key=f"consent:{consent.pk}",
            actor=Actor.FAN,
            artist=artist,
        )
    elif consent_kind == ConsentKind.EMAIL and consent.confirmed_at is not None:
        record_fan_event(
            fan, FanEventKind.EMAIL_SUBSCRIBED, key=f"consent:{consent.pk}", actor=Actor.FAN
        )
    return consent


def consent_is_active(consent: Consent | None) -> bool:
    """Whether a decision read by ``current_consents`` is active (granted, and for email
    also confirmed); the answer comes from the one rule in ``fans/consents.py``."""
    return consents.decision_is_active(consent)


def current_consents(fan: Fan, *, artist: Artist | None = None) -> dict[str, Consent | None]:
    """The decision that counts per kind for ``artist`` (its own and workspace-wide rows;
    no artist: workspace-wide rows only), as ``fans/consents.py`` defines it."""
    return consents.current(fan, artist)


def consent_states(fan: Fan) -> list[Consent]:
    """The deciding row of each scope (workspace-wide, each artist) per kind, by the one
    rule in ``fans/consents.py``: what the fan's portal lists."""
    rows = consents.scope_decisions().filter(fan=fan).select_related("artist")
    order = [kind.value for kind in ConsentKind]
    return sorted(rows, key=lambda c: (order.index(c.kind), c.artist.name if c.artist else ""))


def revoke_consent(
    fan: Fan, kind: str, page: str, *, artist: Artist | None = None
) -> list[Consent]:
    """Withdraw ``kind`` (for one artist, or all of them): one "no" row per granted one.

    Returns the rows written; nothing is written when nothing was granted.
    """
    consent_kind = _kind(kind)
    written: list[Consent] = []
    with transaction.atomic():
        for state in consent_states(fan):
            if state.kind != consent_kind or not state.granted:
                continue
            if artist is not None and state.artist_id != artist.pk:
                continue
            written.append(record_consent(fan, consent_kind, False, page=page, artist=state.artist))
    return written
