"""The leverage table's groups, stored: computed once after the facts change, not per page.

For each pair of an artist's consecutive releases (N, N+1), one grouped query over the facts
(``_PAIR_SQL``) gives every fan known at N (a facts row on any of the artist's releases up
to N) once, grouped by what the fan's row on N holds, whether the fan acted on N+1 by the
deadline (30 days after N+1 came out) and the fan's source on N. Those groups are stored as
``LeverageGroup`` rows; ``leverage.py`` builds its tables from them.

An artist's stored groups hold while ``LeverageState`` says so: the rollup counts each of
its writes to the artist's facts (``changed``), and the releases (their order and release
instants) are those the groups were computed for. Otherwise they are recomputed: by the
worker after each catch-up (``refresh_stale``), or by the first reader that finds them out
of date (``stored``). Readers state when the groups they show were computed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.insights.models import LeverageGroup, LeverageState, ReleaseFacts

WINDOW = dt.timedelta(days=30)

_PAIR_SQL = """
SELECT n.id IS NOT NULL, n.presaved_at IS NOT NULL, n.kept, n.tracks_saved > 0,
       n.one_click_saves > 0, n.follows_by_fan > 0, n.email_clicks > 0,
       n.first_act_at IS NOT NULL, n.release_week_act,
       CASE WHEN a.first_act_at <= %s THEN 1 ELSE 0 END, n.utm_source, n.referrer_host,
       COUNT(*)
FROM (SELECT DISTINCT fan_id FROM {facts} WHERE release_id IN ({known})) k
LEFT JOIN {facts} n ON n.fan_id = k.fan_id AND n.release_id = %s
LEFT JOIN {facts} a ON a.fan_id = k.fan_id AND a.release_id = %s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
"""


def deadline(following: Release) -> dt.datetime:
    """The last instant an act on N+1 counts as coming back."""
    return following.first_instant() + WINDOW


def signature(ordered: Sequence[Release]) -> str:
    """The releases an artist's groups are computed for: their order and release instants."""
    return ";".join(f"{r.pk}@{r.first_instant().isoformat()}" for r in ordered)


def changed(artist_ids: Iterable[int]) -> None:
    """The rollup changed these artists' facts: their stored groups no longer hold."""
    ids = sorted(set(artist_ids))
    if ids:
        LeverageState.objects.filter(artist_id__in=ids).update(changes=F("changes") + 1)


def changed_in_workspace(workspace_id: int) -> None:
    LeverageState.objects.filter(artist__workspace_id=workspace_id).update(changes=F("changes") + 1)


def changed_everywhere() -> None:
    LeverageState.objects.update(changes=F("changes") + 1)


def _holds(state: LeverageState | None, ordered: Sequence[Release]) -> bool:
    return (
        state is not None
        and state.computed_at is not None
        and state.computed_changes == state.changes
        and state.releases == signature(ordered)
    )


def _pair_groups(
    artist_id: int, known: list[int], release: Release, following: Release
) -> list[LeverageGroup]:
    sql = _PAIR_SQL.format(
        facts=connection.ops.quote_name(ReleaseFacts._meta.db_table),
        known=", ".join(["%s"] * len(known)),
    )
    params = [connection.ops.adapt_datetimefield_value(deadline(following)), *known,
              release.pk, following.pk]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return [
        LeverageGroup(
            artist_id=artist_id,
            release_id=release.pk,
            following_id=following.pk,
            on_release=bool(on),
            presaved=bool(presaved),
            kept=kept or "",
            tracks=bool(tracks),
            one_click=bool(one_click),
            follows=bool(follows),
            email_clicks=bool(clicks),
            acted=bool(acted),
            release_week_act=bool(week),
            came_back=bool(after),
            utm_source=utm or "",
            referrer_host=host or "",
            fans=int(fans),
        )
        for (
            on,
            presaved,
            kept,
            tracks,
            one_click,
            follows,
            clicks,
            acted,
            week,
            after,
            utm,
            host,
            fans,
        ) in found
    ]


def compute(artist_id: int, ordered: Sequence[Release]) -> LeverageState:
    """Recompute and store the groups of one artist whose releases are ``ordered``."""
    with transaction.atomic():
        LeverageState.objects.get_or_create(artist_id=artist_id)
        # The row lock keeps two computations of one artist from interleaving on
        # PostgreSQL; a rollup write to the artist's facts waits for it, then counts.
        state = LeverageState.objects.select_for_update().get(artist_id=artist_id)
        LeverageGroup.objects.filter(artist_id=artist_id).delete()
        groups: list[LeverageGroup] = []
        for index, release in enumerate(ordered[:-1]):
            known = [r.pk for r in ordered[: index + 1]]
            groups.extend(_pair_groups(artist_id, known, release, ordered[index + 1]))
        LeverageGroup.objects.bulk_create(groups, batch_size=500)
        state.computed_changes = state.changes
        state.releases = signature(ordered)
        state.computed_at = timezone.now()
        state.save()
    return state


def releases_by_artist(artist_ids: Iterable[int] | None = None) -> dict[int, list[Release]]:
    """Each artist's releases by release date (all artists' when ``artist_ids`` is None)."""
    by_artist: dict[int, list[Release]] = defaultdict(list)
    releases = Release.objects.order_by("release_date", "pk")
    if artist_ids is not None:
        releases = releases.filter(artist_id__in=list(artist_ids))
    for release in releases:
        by_artist[release.artist_id].append(release)
    return by_artist


def stored(
    releases: dict[int, list[Release]],
) -> tuple[dict[tuple[int, int], list[LeverageGroup]], dt.datetime | None]:
    """The stored groups of these artists' pairs, recomputed first where they no longer
    hold, by (release N, release N+1); and when the oldest of them was computed."""
    with_pairs = {artist: ordered for artist, ordered in releases.items() if len(ordered) > 1}
    states = {s.artist_id: s for s in LeverageState.objects.filter(artist_id__in=with_pairs)}
    computed: list[dt.datetime] = []
    for artist, ordered in with_pairs.items():
        state = states.get(artist)
        if state is None or not _holds(state, ordered):
            state = compute(artist, ordered)
        if state.computed_at is not None:
            computed.append(state.computed_at)
    by_pair: dict[tuple[int, int], list[LeverageGroup]] = defaultdict(list)
    for group in LeverageGroup.objects.filter(artist_id__in=with_pairs):
        by_pair[(group.release_id, group.following_id)].append(group)
    return by_pair, min(computed, default=None)


def refresh_stale() -> int:
    """Recompute every artist's groups that no longer hold (the worker, after a catch-up);
    returns the artists recomputed."""
    releases = releases_by_artist()
    states = {s.artist_id: s for s in LeverageState.objects.all()}
    done = 0
    for artist, ordered in releases.items():
        if len(ordered) > 1 and not _holds(states.get(artist), ordered):
            compute(artist, ordered)
            done += 1
    return done
