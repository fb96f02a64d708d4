"""The demo artist's past: three earlier releases and "First Light", with the visits,
pre-saves and fan events of an audience that comes back, so every insights page is full.

Written once (skipped when the first history release exists), in bulk through the same
services an import uses: page events through ``save_hits``, pre-saves through
``record_presaves_in_bulk``, the rest through ``record_fan_events``, each dated when it
happened; an audience export per platform through ``audience.import_export``; the rollup
then folds it all into the facts the pages read.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.utils import timezone

from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, EventKind, FanEventKind
from fanloop.analytics.services import EventRow, save_hits
from fanloop.catalog.models import Artist, Release, ReleaseType
from fanloop.fans.models import Fan
from fanloop.fans.presaves import Attribution, record_presaves_in_bulk
from fanloop.insights import audience, rollup
from fanloop.ops.seed import seed_release
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.spotify import Spotify

# (slug, title, days before today, colours, new fans): the three releases before
# "First Light", which is the fourth of the history.
HISTORY = (
    ("paper-moons", "Paper Moons", 390, ((60, 90, 200), (10, 20, 60)), 240),
    ("static-bloom", "Static Bloom", 270, ((200, 60, 120), (40, 10, 30)), 170),
    ("northern-wire", "Northern Wire", 150, ((40, 170, 90), (10, 40, 20)), 150),
)
FIRST_LIGHT_NEW_FANS = 130
VISITORS_ONLY = 120  # anonymous visits per release
# What a fan does on a release (one profile each) and the chance that a fan known at a
# release acts on the next one, by what the fan did: the story the leverage table tells.
PROFILES = ("presaved_only", "presaved_kept", "tracks", "one_click", "followed", "email_click")
COME_BACK = {
    "none": 0.08,
    "presaved_only": 0.18,
    "presaved_kept": 0.32,
    "tracks": 0.45,
    "one_click": 0.38,
    "followed": 0.55,
    "email_click": 0.28,
}
SOURCES = (("instagram", "instagram.com"), ("tiktok", ""), ("", "news.example.org"), ("", ""))
COUNTRIES = ("DE", "FR", "GB", "US")
PLATFORMS = (Spotify.key, Spotify.key, Spotify.key, Deezer.key)
SEED = 18


def seed_history(artist: Artist, first_light: Release, now: dt.datetime | None = None) -> int:
    """The history of ``artist`` ending with ``first_light``; returns the fans it created
    (0 when it was seeded before)."""
    if Release.objects.filter(artist=artist, slug=HISTORY[0][0]).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(SEED)
    releases = [
        seed_release(
            artist,
            slug=slug,
            title=title,
            release_type=ReleaseType.SINGLE,
            upc=f"19692200{100 + n:04d}",
            release_date=(now - dt.timedelta(days=days)).date(),
            colors=colors,
            tracks=[(title, f"QZDA7260{n + 10:04d}")],
        )
        for n, (slug, title, days, colors, _) in enumerate(HISTORY)
    ]
    releases.append(first_light)
    new_fans = [fans for *_, fans in HISTORY] + [FIRST_LIGHT_NEW_FANS]
    profiles: dict[int, str] = {}  # fan → profile on the previous release
    fans: dict[int, Fan] = {}
    created = 0
    for release, count in zip(releases, new_fans, strict=True):
        returning = [fans[f] for f, p in sorted(profiles.items()) if rng.random() < COME_BACK[p]]
        new = Fan.objects.bulk_create(
            Fan(workspace_id=artist.workspace_id, display_name=f"Listener {created + n + 1}")
            for n in range(count)
        )
        created += count
        fans.update((fan.pk, fan) for fan in new)
        acting = {fan.pk: rng.choice(PROFILES) for fan in [*returning, *new]}
        _visits_and_presaves(release, [fans[f] for f in acting], rng)
        _release_life(release, [(fans[f], p) for f, p in acting.items()], rng)
        profiles = dict.fromkeys(fans, "none") | acting
    _audience(artist, now, rng)
    rollup.catch_up(settle_seconds=0)
    return created


def _day(release: Release, days: int, hour: int = 12) -> dt.datetime:
    start = dt.datetime.combine(release.release_date, dt.time(hour), tzinfo=dt.UTC)
    return start + dt.timedelta(days=days)


def _visits_and_presaves(release: Release, fans: list[Fan], rng: random.Random) -> None:
    """Each fan's visit (a page view and a click) ten days ahead, then the pre-saves."""
    at = _day(release, -10)
    rows: list[EventRow] = []
    entries: dict[str, list[tuple[Fan, Attribution]]] = {}
    for n, fan in enumerate(fans):
        utm, host = rng.choice(SOURCES)
        country, platform = rng.choice(COUNTRIES), rng.choice(PLATFORMS)
        device = rng.choice(("mobile", "mobile", "desktop"))
        visitor = f"{rng.getrandbits(64):016x}"
        medium = "social" if utm else ""
        rows.append(EventRow(EventKind.PAGE_VIEW, release.artist.workspace_id, release.artist_id,
                             release.pk, "", visitor, utm, medium, "", "", "", host, device,
                             country, at + dt.timedelta(seconds=n)))  # fmt: skip
        rows.append(rows[-1]._replace(kind=EventKind.CLICK, platform=platform))
        entries.setdefault(platform, []).append(
            (
                fan,
                Attribution(
                    utm_source=utm,
                    utm_medium=medium,
                    referrer_host=host,
                    country=country,
                    visitor_id=visitor,
                ),
            )
        )
    for n in range(VISITORS_ONLY):
        rows.append(EventRow(EventKind.PAGE_VIEW, release.artist.workspace_id, release.artist_id,
                             release.pk, "", f"{rng.getrandbits(64):016x}", "", "", "", "", "",
                             "", "mobile", "", at + dt.timedelta(minutes=n)))  # fmt: skip
    save_hits(rows, {})
    for platform, platform_entries in sorted(entries.items()):
        record_presaves_in_bulk(release, platform, platform_entries, at=at)


def _events(
    release: Release, fans: list[tuple[Fan, str]], kind: str, actor: str, tag: str
) -> Iterator[NewFanEvent]:
    for fan, _ in fans:
        yield NewFanEvent(
            workspace_id=fan.workspace_id, fan_id=fan.pk, kind=kind, actor=actor,
            key=f"demo-history:{release.pk}:{fan.pk}:{tag}", artist_id=release.artist_id,
            release_id=release.pk, platform=Spotify.key,
        )  # fmt: skip


def _release_life(release: Release, acting: list[tuple[Fan, str]], rng: random.Random) -> None:
    """Delivery on release day, the fans' own acts in the weeks after, the library checks."""
    delivered = [(f, p) for f, p in acting if p != "presaved_only" or rng.random() < 0.9]
    only = [(f, p) for f, p in delivered if p == "presaved_only"]
    at_delivery = [(f, p) for f, p in only if rng.random() < 0.3]
    removed = [(f, p) for f, p in only if rng.random() < 0.4]

    def of(profile: str) -> list[tuple[Fan, str]]:
        return [(f, p) for f, p in delivered if p == profile]

    for days, fans, kind, actor, tag in (
        (0, delivered, FanEventKind.DELIVERY_SUCCEEDED, Actor.FANLOOP, "delivered"),
        (0, delivered, FanEventKind.SAVED, Actor.FANLOOP, "saved"),
        (0, at_delivery, FanEventKind.FOLLOWED, Actor.FANLOOP, "followed-at-delivery"),
        (0, acting, FanEventKind.EMAIL_SENT, Actor.FANLOOP, "sent"),
        (1, of("followed"), FanEventKind.FOLLOWED, Actor.FAN, "followed"),
        (2, of("one_click"), FanEventKind.SAVED, Actor.FAN, "one-click"),
        (3, of("tracks"), FanEventKind.TRACK_SAVED, Actor.FAN, "track"),
        (7, of("presaved_kept"), FanEventKind.SAVE_KEPT_7D, Actor.FANLOOP, "7d"),
        (7, removed, FanEventKind.SAVE_MISSING, Actor.FAN, "7d"),
        (20, of("email_click"), FanEventKind.EMAIL_OPENED, Actor.FAN, "opened"),
        (20, of("email_click"), FanEventKind.EMAIL_CLICKED, Actor.FAN, "clicked"),
        (30, of("presaved_kept"), FanEventKind.SAVE_KEPT_30D, Actor.FANLOOP, "30d"),
    ):
        at = _day(release, days)
        if at <= timezone.now():
            record_fan_events(_events(release, fans, kind, actor, tag), at=at)


def _audience(artist: Artist, now: dt.datetime, rng: random.Random) -> None:
    """A year of Spotify for Artists and Deezer for Creators exports, growing at releases."""
    first = now.date() - dt.timedelta(days=400)
    for source, followers, share in (
        ("spotify_for_artists", 1200, 1.0),
        ("deezer_for_creators", 300, 0.3),
    ):
        lines = ["date,followers,listeners,streams"]
        for n in range(400):
            followers += int(share * (rng.randint(0, 6) + (40 if n % 120 < 7 else 0)))
            listeners = int(followers * rng.uniform(0.6, 0.9))
            lines.append(f"{first + dt.timedelta(days=n)},{followers},{listeners},"
                         f"{int(listeners * rng.uniform(1.5, 2.5))}")  # fmt: skip
        audience.import_export(artist, source, ("\n".join(lines) + "\n").encode(), now)
