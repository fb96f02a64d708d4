"""Consents: the wording registry (the exact sentence a fan sees for each kind) and the
one rule that decides whether a consent is active (``decisions`` below).

Every recorded consent stores the rendered text and the version below; change a sentence
by adding a new version, never by editing one in place (old rows must stay explainable).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from fanloop.catalog.models import Artist
from fanloop.fans.models import Consent, ConsentKind, Fan


@dataclass(frozen=True)
class Wording:
    version: str
    text: str  # "{artist}" is replaced by the artist's (or workspace's) name

    def render(self, artist_name: str) -> str:
        # str.replace, not str.format: a name with braces must not break or inject.
        return self.text.replace("{artist}", artist_name)


WORDINGS: dict[str, Wording] = {
    ConsentKind.EMAIL: Wording(
        "email-1",
        "Send me emails from {artist} about new releases and news. I can unsubscribe at any time.",
    ),
    ConsentKind.FOLLOW: Wording(
        "follow-1",
        "Follow {artist} on my streaming account.",
    ),
    ConsentKind.FOREVER_SAVE: Wording(
        "forever-save-1",
        "Save {artist}'s future releases to my library when they come out. "
        "I can stop this at any time.",
    ),
    ConsentKind.VERIFY: Wording(
        "verify-2",
        "Let {artist} see whether I keep this release and which of its tracks I save, "
        "checked 3 times in the month after release: read access only.",
    ),
}

# Short labels for lists and buttons; the full wording is shown wherever a fan decides.
LABELS: dict[str, str] = {kind.value: kind.label for kind in ConsentKind}


def wording_for(kind: str) -> Wording:
    """The current wording of ``kind``; KeyError names the unknown kind."""
    try:
        return WORDINGS[kind]
    except KeyError:
        raise KeyError(f"unknown consent kind: {kind!r}") from None


def render(kind: str, artist_name: str) -> tuple[str, str]:
    """(version, text) exactly as shown to the fan; pages render through this too."""
    wording = wording_for(kind)
    return wording.version, wording.render(artist_name)


# --- the one rule: which consent decision counts, and is it active? -----------------------


ACTIVE_FIELD = "is_active"
# What the product may act on: a grant, and for email also a confirmed one (double opt-in).
ACTIVE = Q(granted=True) & (~Q(kind=ConsentKind.EMAIL) | Q(confirmed_at__isnull=False))


def applies_to(artist: Artist | None) -> Q:
    """The rows that speak for ``artist``: its own and the workspace-wide ones.

    With no artist the question is the workspace-wide one (the workspace sending under its
    own name): only workspace-wide rows apply; a decision for one artist never speaks for
    the workspace nor for another artist.
    """
    if artist is None:
        return Q(artist__isnull=True)
    return Q(artist__isnull=True) | Q(artist_id=artist.pk)


def _annotated(rows: QuerySet[Consent]) -> QuerySet[Consent]:
    return rows.annotate(**{ACTIVE_FIELD: ExpressionWrapper(ACTIVE, output_field=BooleanField())})


def decisions(artist: Artist | None) -> QuerySet[Consent]:
    """THE consent rule, for every fan at once, evaluated in SQL.

    For a fan, a kind and an artist, the decision that counts is the LATEST row (highest
    id: the log is append-only) among the rows that apply to that artist: its own rows
    and the workspace-wide ones. ``artist=None`` asks the workspace-wide question, where
    only workspace-wide rows apply. The decision is active when it is a grant and, for
    email, confirmed. One row per (fan, kind) that has any applicable row, annotated with
    ``is_active``; with an artist, only fans of the artist's workspace.

    Every "is this consent active?" in fanloop goes through this queryset: the per-fan
    check (``current``/``is_active``), the release-day audience, the email CSV, flow
    conditions and actions, verification and the outbox's batch check. Segments read its
    "any sender" answer as kept on the fan (``Fan.consented``, ``refresh_consented``).
    """
    rows = Consent.objects.filter(applies_to(artist))
    if artist is not None:
        rows = rows.filter(fan__workspace_id=artist.workspace_id)
    later = Consent.objects.filter(
        applies_to(artist), fan=OuterRef("fan"), kind=OuterRef("kind"), pk__gt=OuterRef("pk")
    )
    return _annotated(rows.filter(~Exists(later)))


def active(kind: str, artist: Artist | None) -> QuerySet[Consent]:
    """The deciding rows of ``kind`` for ``artist`` that are active (one per fan)."""
    return decisions(artist).filter(kind=kind).filter(**{ACTIVE_FIELD: True})


def scope_decisions(model: type[Consent] = Consent) -> QuerySet[Consent]:
    """The deciding row of every scope a fan has decided in: per (fan, kind), the
    workspace-wide decision and each artist's decision (see ``decisions``).

    A row for an artist decides that artist's scope when no later row of the artist or
    of the whole workspace follows; a workspace-wide row decides the workspace-wide scope
    when no later workspace-wide row follows (and then, too, every artist without a later
    row of its own). For the dashboard's "any sender" lists.
    """
    later = model.objects.filter(
        Q(artist__isnull=True) | Q(artist_id=OuterRef("artist_id")),
        fan=OuterRef("fan"),
        kind=OuterRef("kind"),
        pk__gt=OuterRef("pk"),
    )
    return _annotated(model.objects.filter(~Exists(later)))


def active_for_any_sender(kind: str) -> QuerySet[Consent]:
    """Rows by which a fan is active for ``kind`` for the workspace or at least one artist."""
    return scope_decisions().filter(kind=kind).filter(**{ACTIVE_FIELD: True})


# --- the rule's "any sender" answer kept on the fan ---------------------------------------
#
# ``Fan.consented`` holds the kinds ``active_for_any_sender`` finds for the fan, so that a
# query over a whole workspace (a segment's count) tests a column instead of searching the
# log twice per fan. Every change to a fan's consent log calls ``refresh_consented`` in its
# transaction, after locking the fan's row (``lock_fans``): two concurrent decisions for one
# fan are written one after the other, the second reading the first.


def consented(kind: str) -> Q:
    """The fans (a ``Q`` over ``Fan``) active for ``kind`` for the workspace or at least one
    artist: ``active_for_any_sender`` as kept in ``Fan.consented``."""
    return Q(consented__contains=f" {kind} ")


def encoded(kinds: set[str]) -> str:
    """``Fan.consented`` for these active kinds (bulk seeding writes it with the rows)."""
    ordered = [kind.value for kind in ConsentKind if kind.value in kinds]
    return f" {' '.join(ordered)} " if ordered else ""


def lock_fans(fan_ids: Iterable[int]) -> None:
    """Lock the fans' rows until the transaction ends (before changing their consent log),
    in id order, so that two transactions locking overlapping sets do not deadlock."""
    ids = sorted(set(fan_ids))
    list(Fan.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def refresh_consented(fan_ids: Iterable[int], chunk: int = 500) -> dict[int, str]:
    """Rewrite ``Fan.consented`` of these fans from their consent log by the one rule;
    their new values. Run it in the transaction that changed the log."""
    ids = sorted(set(fan_ids))
    values: dict[int, str] = {}
    for first in range(0, len(ids), chunk):
        values.update(_refresh(Consent, Fan, ids[first : first + chunk]))
    return values


def artist_deleting(artist: Artist) -> None:
    """Before an artist is deleted (``catalog.hooks.artist_deleting``, in the deletion's
    transaction): delete its consent rows, which the deletion would cascade to, and rewrite
    the ``consented`` of the fans they belonged to, their rows locked first."""
    rows = Consent.objects.filter(artist_id=artist.pk)
    fan_ids = sorted(set(rows.values_list("fan_id", flat=True)))
    if not fan_ids:
        return
    lock_fans(fan_ids)
    rows.delete()
    refresh_consented(fan_ids)


def _refresh(consent_model: type[Consent], fan_model: type[Fan], ids: list[int]) -> dict[int, str]:
    kinds: dict[int, set[str]] = {fan_id: set() for fan_id in ids}
    rows = scope_decisions(consent_model).filter(fan_id__in=ids, **{ACTIVE_FIELD: True})
    for fan_id, kind in rows.values_list("fan_id", "kind"):
        kinds[fan_id].add(kind)
    values = {fan_id: encoded(found) for fan_id, found in kinds.items()}
    for fan_id, value in values.items():
        fan_model.objects.filter(pk=fan_id).exclude(consented=value).update(consented=value)
    return values


def fill_consented(consent_model: type[Consent], fan_model: type[Fan], chunk: int = 1000) -> None:
    """Compute ``Fan.consented`` of every fan with a consent row (the migration that added
    the column passes its historical models)."""
    ids = consent_model.objects.order_by("fan_id").values_list("fan_id", flat=True).distinct()
    batch: list[int] = []
    for fan_id in ids.iterator(chunk):
        batch.append(fan_id)
        if len(batch) >= chunk:
            _refresh(consent_model, fan_model, batch)
            batch = []
    if batch:
        _refresh(consent_model, fan_model, batch)


def current(fan: Fan, artist: Artist | None = None) -> dict[str, Consent | None]:
    """The deciding row per kind for one fan (None: never decided), in one query."""
    found: dict[str, Consent | None] = {kind.value: None for kind in ConsentKind}
    for row in decisions(artist).filter(fan=fan).select_related("artist"):
        found[row.kind] = row
    return found


def decision_is_active(decision: Consent | None) -> bool:
    """Whether a row from ``decisions``/``current`` is active; None (no decision) is not.

    The answer is the one SQL computed; a row read some other way is refused, so no
    second copy of the rule can creep in.
    """
    if decision is None:
        return False
    value = getattr(decision, ACTIVE_FIELD, None)
    if value is None:
        raise TypeError("not a consent decision: read it with fanloop.fans.consents.current()")
    return bool(value)


def is_active(fan: Fan, kind: str, artist: Artist | None = None) -> bool:
    """The per-fan check: does ``fan``'s ``kind`` consent for ``artist`` count now?"""
    return active(kind, artist).filter(fan=fan).exists()
