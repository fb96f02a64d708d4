"""Segments: saved fan filters of a workspace, compiled to one SQL query (Django ORM).

A segment's ``rules`` is a JSON object; every listed condition must hold (AND), and each
list matches any of its values (OR):

    {"platforms": ["spotify"],          # a connection to, or a pre-save on, one of them
     "countries": ["GB", "IE"],         # the fan's country
     "sources": ["instagram"],          # a pre-save whose utm_source or referrer host is one
     "consents": ["email"],             # every kind listed active (the one consent rule,
                                        #   for the workspace or any of its artists, as
                                        #   kept in Fan.consented)
     "score_min": 10,                   # engagement score (flows scoring) at least
     "score_top": 20,                   # top 20 % of the workspace's fans by score
     "tags": ["superfan"],              # tagged by a flow with one of them
     "actions": [{"did": true, "kind": "saved", "release": 7, "artist": null,
                  "since": "2026-01-01", "until": "2026-03-31"}]}

An action is the fan's own act only (``FanEvent.actor == "fan"``), on a release or on any
release of an artist (or anywhere), between two dates (UTC days, both included); ``did:
false`` asks that no such act exists. ``score_top`` needs one more query first: the bar
(the score of the last place of the top share, ties at the edge all in).

"Entered segment" (the ``joined_segment`` flow trigger): a segment with ``track_entries``
is swept by the worker every ``SWEEP_INTERVAL`` (``sweep_due``): one set difference in
SQL per segment between its query and its ``SegmentMember`` rows inserts the fans who
entered (each with a ``joined_segment`` event, actor fanloop, data ``{"segment": id}``)
and deletes the fans who left. The first sweep of a segment records its members without
events: only fans entering after tracking starts trigger flows. A sweep costs one count
query per tracked segment, whatever happened: polling, not per-event re-evaluation, so a
burst of events costs nothing extra and a segment over any event kind works alike.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans import consents, queries
from fanloop.fans.models import ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.flows import scoring
from fanloop.flows.models import FanTag, FlowStatus, FlowVersion, Segment, SegmentMember

# Limits of one segment's rules (a form or an API body beyond them is refused).
MAX_VALUES = 20  # values per list
MAX_ACTIONS = 5
VALUE_MAX_LENGTH = 100
NAME_MAX_LENGTH = 120
MAX_SCORE = 1_000_000
# Tracked segments are swept at most this often each (the worker's sweep runs every minute).
SWEEP_INTERVAL = dt.timedelta(minutes=5)
SWEEP_CHUNK = 1000  # entering fans inserted per statement
# A stored member count older than this is counted again when the segment list shows it
# (each count is a query over the workspace's fans). Not measured; chosen so the list
# stays a few minutes behind at most.
COUNT_MAX_AGE = dt.timedelta(minutes=5)

# What a fan can do themself: the kinds an action condition may name.
FAN_ACTIONS: dict[str, str] = {
    kind.value: kind.label
    for kind in (
        FanEventKind.PRESAVED,
        FanEventKind.EMAIL_SUBSCRIBED,
        FanEventKind.FOREVER_SAVE_OPTIN,
        FanEventKind.SAVED,
        FanEventKind.FOLLOWED,
        FanEventKind.TRACK_SAVED,
        FanEventKind.EMAIL_OPENED,
        FanEventKind.EMAIL_CLICKED,
        FanEventKind.UNSUBSCRIBED,
    )
}
# Platforms a segment can name: the streaming platforms and the email-only pre-save.
PLATFORM_CHOICES: dict[str, str] = dict(queries.PRESAVE_COLUMNS)
LIST_FIELDS = ("platforms", "countries", "sources", "consents", "tags")


def _strings(raw: Any, field: str) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [part for part in raw.replace("\n", ",").split(",")]
    if not isinstance(raw, list):
        raise ValidationError({field: "Give a list of values."})
    values: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise ValidationError({field: "Every value must be text."})
        text = item.strip()
        if not text:
            continue
        if len(text) > VALUE_MAX_LENGTH:
            raise ValidationError({field: f"A value has at most {VALUE_MAX_LENGTH} characters."})
        if text not in values:
            values.append(text)
    if len(values) > MAX_VALUES:
        raise ValidationError({field: f"At most {MAX_VALUES} values."})
    return values


def _whole(raw: Any, field: str, low: int, high: int) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError({field: "Give a whole number."})
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({field: "Give a whole number."}) from None
    if not low <= value <= high:
        raise ValidationError({field: f"Give a number from {low} to {high}."})
    return value


def _day(raw: Any, field: str) -> str | None:
    if raw in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(raw)).isoformat()
    except ValueError:
        raise ValidationError({field: "Give a date as YYYY-MM-DD."}) from None


def _action(raw: Any, workspace: Workspace, number: int) -> dict[str, Any]:
    field = "actions"
    where = f"Action {number}: "
    if not isinstance(raw, dict):
        raise ValidationError({field: where + "an action is an object."})
    unknown = set(raw) - {"did", "kind", "release", "artist", "since", "until"}
    if unknown:
        raise ValidationError({field: where + f"unknown field(s) {', '.join(sorted(unknown))}."})
    did = raw.get("did", True)
    if isinstance(did, str):
        did = did.lower() not in ("false", "0", "no", "not")
    if not isinstance(did, bool):
        raise ValidationError({field: where + "did must be true or false."})
    kind = raw.get("kind")
    if kind not in FAN_ACTIONS:
        raise ValidationError(
            {field: where + f"unknown act {kind!r} (one of {', '.join(FAN_ACTIONS)})."}
        )
    release = _whole(raw.get("release"), field, 1, 2**62)
    artist = _whole(raw.get("artist"), field, 1, 2**62)
    if release is not None and artist is not None:
        raise ValidationError({field: where + "name a release or an artist, not both."})
    if (
        release is not None
        and not Release.objects.filter(pk=release, artist__workspace=workspace).exists()
    ):
        raise ValidationError({field: where + "no such release in this workspace."})
    if artist is not None and not Artist.objects.filter(pk=artist, workspace=workspace).exists():
        raise ValidationError({field: where + "no such artist in this workspace."})
    since, until = _day(raw.get("since"), field), _day(raw.get("until"), field)
    if since and until and since > until:
        raise ValidationError({field: where + "the start date is after the end date."})
    return {
        "did": did,
        "kind": kind,
        "release": release,
        "artist": artist,
        "since": since,
        "until": until,
    }


def clean_rules(raw: Any, workspace: Workspace) -> dict[str, Any]:
    """A normalized copy of ``raw`` rules, or a ``ValidationError`` naming the field."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"rules": "The rules are an object."})
    known = {*LIST_FIELDS, "score_min", "score_top", "actions"}
    unknown = set(raw) - known
    if unknown:
        raise ValidationError({"rules": f"Unknown rule(s): {', '.join(sorted(unknown))}."})
    rules: dict[str, Any] = {field: _strings(raw.get(field), field) for field in LIST_FIELDS}
    bad = [p for p in rules["platforms"] if p not in PLATFORM_CHOICES]
    if bad:
        raise ValidationError(
            {"platforms": f"Unknown platform(s) {', '.join(bad)} ({', '.join(PLATFORM_CHOICES)})."}
        )
    countries = [c.upper() for c in rules["countries"]]
    if any(len(c) != 2 or not c.isascii() or not c.isalpha() for c in countries):
        raise ValidationError({"countries": "A country is a two-letter code such as GB."})
    rules["countries"] = countries
    rules["sources"] = [s.lower() for s in rules["sources"]]
    bad = [c for c in rules["consents"] if c not in ConsentKind.values]
    if bad:
        raise ValidationError(
            {"consents": f"Unknown consent(s) {', '.join(bad)} ({', '.join(ConsentKind.values)})."}
        )
    rules["score_min"] = _whole(raw.get("score_min"), "score_min", 1, MAX_SCORE)
    rules["score_top"] = _whole(raw.get("score_top"), "score_top", 1, 100)
    actions = raw.get("actions") or []
    if not isinstance(actions, list):
        raise ValidationError({"actions": "Give a list of actions."})
    if len(actions) > MAX_ACTIONS:
        raise ValidationError({"actions": f"At most {MAX_ACTIONS} actions."})
    rules["actions"] = [_action(a, workspace, n) for n, a in enumerate(actions, start=1)]
    return rules


# --- the query ---------------------------------------------------------------------------


def _day_start(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=dt.UTC)


def _acted(action: dict[str, Any]) -> Exists:
    events = FanEvent.objects.filter(fan=OuterRef("pk"), actor=Actor.FAN, kind=action["kind"])
    if action.get("release"):
        events = events.filter(release_id=action["release"])
    elif action.get("artist"):
        events = events.filter(artist_id=action["artist"])
    if action.get("since"):
        events = events.filter(created__gte=_day_start(action["since"]))
    if action.get("until"):
        events = events.filter(created__lt=_day_start(action["until"]) + dt.timedelta(days=1))
    return Exists(events)


def score_bar(workspace: Workspace, percent: int) -> int:
    """The score the last place of the workspace's top ``percent`` % of fans has (at least 1:
    a fan who did nothing is in no top share)."""
    places = math.ceil(Fan.objects.filter(workspace=workspace).count() * percent / 100)
    if places <= 0:
        return 1
    ranked = (
        scoring.workspace_scores(workspace)
        .order_by("-score")
        .values_list("score", flat=True)[places - 1 : places]
    )
    found = list(ranked)
    return max(int(found[0]), 1) if found else 1


def condition(rules: dict[str, Any], workspace: Workspace) -> Q:
    """The segment's rules as one ``Q`` over ``Fan`` (every part a column test or EXISTS)."""
    where = Q(workspace=workspace)
    if rules.get("platforms"):
        platforms = rules["platforms"]
        where &= Q(
            Exists(PlatformConnection.objects.filter(fan=OuterRef("pk"), platform__in=platforms))
        ) | Q(Exists(PreSave.objects.filter(fan=OuterRef("pk"), platform__in=platforms)))
    if rules.get("countries"):
        where &= Q(country__in=rules["countries"])
    if rules.get("sources"):
        source = Q()
        for value in rules["sources"]:
            source |= Q(utm_source__iexact=value) | Q(referrer_host__iexact=value)
        where &= Q(Exists(PreSave.objects.filter(source, fan=OuterRef("pk"))))
    for kind in rules.get("consents") or []:
        where &= consents.consented(kind)  # the one rule's answer kept on the fan
    bars = []
    if rules.get("score_min"):
        bars.append(int(rules["score_min"]))
    if rules.get("score_top"):
        bars.append(score_bar(workspace, int(rules["score_top"])))
    if bars:
        scored = scoring.workspace_scores(workspace).filter(score__gte=max(bars))
        where &= Q(pk__in=scored.values("fan_id"))
    if rules.get("tags"):
        where &= Q(Exists(FanTag.objects.filter(fan=OuterRef("pk"), tag__in=rules["tags"])))
    for action in rules.get("actions") or []:
        acted = _acted(action)
        where &= Q(acted) if action.get("did", True) else ~Q(acted)
    return where


def members(segment: Segment) -> QuerySet[Fan]:
    """The fans in ``segment`` now: one query (two with a top share)."""
    return Fan.objects.filter(condition(segment.rules, segment.workspace))


def count(segment: Segment, now: dt.datetime | None = None) -> int:
    """Count ``segment``'s members now and store the count (``counted``, ``counted_at``)."""
    now = now or timezone.now()
    found = members(segment).count()
    _store_count(segment, found, now)
    return found


def _store_count(segment: Segment, found: int, now: dt.datetime) -> None:
    Segment.objects.filter(pk=segment.pk).update(counted=found, counted_at=now)
    segment.counted, segment.counted_at = found, now


def stored_count(segment: Segment, now: dt.datetime | None = None) -> tuple[int, dt.datetime]:
    """(members, when counted): the stored count while younger than ``COUNT_MAX_AGE``,
    else a fresh one (stored)."""
    now = now or timezone.now()
    at = segment.counted_at
    if segment.counted is not None and at is not None and now - COUNT_MAX_AGE < at <= now:
        return segment.counted, at
    return count(segment, now), now


def preview(rules: dict[str, Any], workspace: Workspace) -> QuerySet[Fan]:
    """The fans matching not yet saved rules (the form's live count), newest first."""
    return Fan.objects.filter(condition(rules, workspace)).order_by("-created", "-pk")


def contains(segment: Segment, fan: Fan) -> bool:
    """Whether ``fan`` is in ``segment`` now (the flow condition ``in_segment``)."""
    if fan.workspace_id != segment.workspace_id:
        return False
    return members(segment).filter(pk=fan.pk).exists()


def describe(rules: dict[str, Any]) -> list[str]:
    """The rules in words, one line per condition."""
    lines = []
    if rules.get("platforms"):
        names = [PLATFORM_CHOICES.get(p, p) for p in rules["platforms"]]
        lines.append("uses " + " or ".join(names))
    if rules.get("countries"):
        lines.append("in " + " or ".join(rules["countries"]))
    if rules.get("sources"):
        lines.append("came from " + " or ".join(rules["sources"]))
    for kind in rules.get("consents") or []:
        lines.append(f"consents to “{ConsentKind(kind).label.lower()}”")
    if rules.get("score_min"):
        lines.append(f"engagement score at least {rules['score_min']}")
    if rules.get("score_top"):
        lines.append(f"in the top {rules['score_top']}% by engagement score")
    if rules.get("tags"):
        lines.append("tagged " + " or ".join(rules["tags"]))
    for action in rules.get("actions") or []:
        what = FAN_ACTIONS.get(action["kind"], action["kind"]).lower()
        text = ("did" if action.get("did", True) else "did not do") + f" “{what}”"
        if action.get("release"):
            text += f" on release #{action['release']}"
        elif action.get("artist"):
            text += f" on any release of artist #{action['artist']}"
        if action.get("since"):
            text += f" from {action['since']}"
        if action.get("until"):
            text += f" until {action['until']}"
        lines.append(text)
    return lines or ["every fan of the workspace"]


# --- writes ------------------------------------------------------------------------------


def _clean_name(name: Any, workspace: Workspace, exclude: int | None = None) -> str:
    text = str(name or "").strip()
    if not text:
        raise ValidationError({"name": "Give the segment a name."})
    if len(text) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"A name has at most {NAME_MAX_LENGTH} characters."})
    taken = Segment.objects.filter(workspace=workspace, name=text)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": "Another segment has this name."})
    return text


@transaction.atomic
def create_segment(
    workspace: Workspace, *, name: str, rules: Any, track_entries: bool = False
) -> Segment:
    """A new segment of ``workspace``; rules and name validated (``ValidationError``)."""
    return Segment.objects.create(
        workspace=workspace,
        name=_clean_name(name, workspace),
        rules=clean_rules(rules, workspace),
        track_entries=bool(track_entries),
    )


@transaction.atomic
def update_segment(
    segment: Segment,
    *,
    name: str | None = None,
    rules: Any = None,
    track_entries: bool | None = None,
) -> Segment:
    """Change what is given. New rules restart entry tracking: the next sweep records the
    members silently (fans who matched the old rules did not "enter")."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if name is not None:
        segment.name = _clean_name(name, segment.workspace, exclude=segment.pk)
    restart = False
    if rules is not None:
        cleaned = clean_rules(rules, segment.workspace)
        restart = cleaned != segment.rules
        segment.rules = cleaned
    if track_entries is not None:
        restart = restart or bool(track_entries) != segment.track_entries
        segment.track_entries = bool(track_entries)
    if restart:
        SegmentMember.objects.filter(segment=segment).delete()
        segment.swept_at = None
    if rules is not None:  # the stored count was of the old rules
        segment.counted = segment.counted_at = None
    segment.save()
    return segment


def flows_using(segment: Segment) -> list[str]:
    """Names of the flows (not stopped) with an ``in_segment`` condition on ``segment``."""
    names: set[str] = set()
    versions = FlowVersion.objects.filter(flow__workspace_id=segment.workspace_id).exclude(
        flow__status=FlowStatus.STOPPED
    )
    for name, steps in versions.values_list("flow__name", "steps"):
        for step in steps if isinstance(steps, list) else []:
            if (
                isinstance(step, dict)
                and step.get("check") == "in_segment"
                and str(step.get("value")) == str(segment.pk)
            ):
                names.add(name)
    return sorted(names)


@transaction.atomic
def delete_segment(segment: Segment) -> None:
    """Delete ``segment``; refused (``ValidationError``) while a broadcast or a flow that
    is not stopped uses it."""
    if segment.broadcasts.exists():
        raise ValidationError("A broadcast was sent to this segment: it is kept for its stats.")
    flows = flows_using(segment)
    if flows:
        raise ValidationError(
            "The flow(s) "
            + ", ".join(f"“{name}”" for name in flows)
            + " check this segment: remove the condition (or stop them) first."
        )
    segment.delete()


def sweep(segment: Segment, now: dt.datetime | None = None) -> tuple[int, int]:
    """Bring ``segment``'s members up to date: (entered, left). See the module docstring."""
    now = now or timezone.now()
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        first = segment.swept_at is None
        current = members(segment)
        known = SegmentMember.objects.filter(segment=segment)
        left, _ = known.exclude(fan_id__in=current.values("pk")).delete()
        entering = current.exclude(
            Exists(SegmentMember.objects.filter(segment=segment, fan=OuterRef("pk")))
        ).order_by("pk")
        entered = 0
        for ids in _chunks(entering.values_list("pk", flat=True).iterator(SWEEP_CHUNK)):
            rows = SegmentMember.objects.bulk_create(
                [SegmentMember(segment=segment, fan_id=fan_id, joined=now) for fan_id in ids]
            )
            entered += len(rows)
            if not first:
                record_fan_events(
                    NewFanEvent(
                        workspace_id=segment.workspace_id,
                        fan_id=fan_id,
                        kind=FanEventKind.JOINED_SEGMENT,
                        key=f"segment:{segment.pk}:{fan_id}:{int(now.timestamp())}",
                        actor=Actor.FANLOOP,
                        data={"segment": segment.pk, "name": segment.name},
                    )
                    for fan_id in ids
                )
        segment.swept_at = now
        segment.counted = SegmentMember.objects.filter(segment=segment).count()
        segment.counted_at = now
        segment.save(update_fields=["swept_at", "counted", "counted_at"])
    return (0 if first else entered), left


def _chunks(ids: Iterator[int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    for fan_id in ids:
        chunk.append(fan_id)
        if len(chunk) >= SWEEP_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sweep_due(now: dt.datetime | None = None) -> int:
    """Sweep every tracked segment not swept within ``SWEEP_INTERVAL``; fans who entered."""
    now = now or timezone.now()
    due = Segment.objects.filter(track_entries=True).filter(
        Q(swept_at__isnull=True) | Q(swept_at__lte=now - SWEEP_INTERVAL)
    )
    return sum(sweep(segment, now)[0] for segment in due.order_by("pk"))


# --- export ------------------------------------------------------------------------------

EXPORT_HEADER = (
    "email",
    "name",
    "country",
    "platforms",
    *(f"consent_{kind.value}" for kind in ConsentKind),
    "fan_since",
)


def export_rows(segment: Segment) -> Iterator[dict[str, str]]:
    """One dict per member (keys: ``EXPORT_HEADER``), in chunks: constant memory. Consent
    columns: "active", "pending" (email not yet confirmed) or "" (by the one rule, for the
    workspace or any artist: the fans list's reading)."""
    fans = members(segment).order_by("pk")
    last_pk = 0
    while True:
        chunk = list(fans.filter(pk__gt=last_pk)[: queries.EXPORT_CHUNK])
        if not chunk:
            return
        last_pk = chunk[-1].pk
        found = queries.summaries(chunk)
        for fan in chunk:
            summary = found[fan.pk]
            row = {
                "email": fan.email,
                "name": fan.display_name,
                "country": fan.country,
                "platforms": " ".join(c.platform for c in summary.connections),
            }
            for kind in ConsentKind:
                value = "active" if kind.value in summary.consents else ""
                if kind == ConsentKind.EMAIL and summary.pending_email and not value:
                    value = "pending"
                row[f"consent_{kind.value}"] = value
            row["fan_since"] = fan.created.isoformat()
            yield row
