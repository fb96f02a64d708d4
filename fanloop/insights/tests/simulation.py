"""A simulated audience over consecutive releases of one artist, with planted behaviour.

Each fan known at release N engages with release N+1 with a probability that depends only
on what the fan did on N (``PLANTED``); a fan who engages picks one of the act profiles for
N+1, and new fans arrive at every release. Page views and clicks go through the event
log's ingest pipeline and write-behind buffer, pre-saves through the bulk pre-save service
(one transaction per release), every other fact through the fan event log's batch service
with the actor the real producer uses. The simulation keeps its own counts, which the
funnel and the leverage table must equal exactly. ``emulated_audience.py`` plays the same
audience one fan at a time through the producers themselves and the emulator.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import time_machine
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics import buffer, ingest
from fanloop.analytics.fan_events import NewFanEvent, record_fan_events
from fanloop.analytics.models import Actor, EventKind, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import presaves
from fanloop.fans.models import Fan
from fanloop.platforms.models import PlatformApp

# Profile of a fan on one release: what the fan did there (disjoint, one per fan).
NONE = "none"
ACT_PROFILES = ("presaved_only", "presaved_kept", "tracks", "one_click", "followed", "email_click")
# The planted chance that a fan known at N acts on N+1, by what the fan did on N.
PLANTED = {
    NONE: 0.10,
    "presaved_only": 0.20,
    "presaved_kept": 0.35,
    "tracks": 0.45,
    "one_click": 0.40,
    "followed": 0.55,
    "email_click": 0.30,
}
# Profiles whose extra act falls in the release week (the short-term outcome).
WEEK_ACTS = frozenset({"tracks", "one_click", "followed"})
SOURCES = (("instagram", "instagram.com"), ("tiktok", ""), ("", "news.example.org"), ("", ""))
COUNTRIES = ("DE", "FR", "GB", "")
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
)
DELIVERY_RATE = 0.9
FIRST_RELEASE = dt.date(2025, 1, 15)
RELEASE_GAP = dt.timedelta(days=91)


@dataclass
class Counts:
    """The simulation's own funnel counts for one release."""

    visits: int = 0
    clicks: int = 0
    presaves: int = 0
    delivered: int = 0
    kept_7d: int = 0
    kept_7d_m: int = 0
    kept_30d: int = 0
    kept_30d_m: int = 0
    tracks: int = 0
    email_clicks: int = 0
    follows: int = 0
    by_source: Counter[str] = field(default_factory=Counter)


@dataclass
class Simulation:
    artist: Artist
    releases: list[Release]
    # release index → fan id → profile on that release (fans known by then, NONE if idle)
    profiles: list[dict[int, str]]
    counts: list[Counts]
    # (profile on N) → [fans, of whom acted on N+1], pooled over the pairs
    cohorts: dict[str, list[int]]


def _hit(release: Release, kind: str, ip: str, ua: str, country: str, query: str, referrer: str,
         platform: str = "") -> ingest.Hit:  # fmt: skip
    return ingest.Hit(
        kind=kind, release_id=release.pk, artist_id=release.artist_id,
        workspace_id=release.artist.workspace_id, platform=platform, user_agent=ua, ip=ip,
        own_host="fanloop.test", referrer=referrer, query=query, country=country, purpose="",
        member=False, at=timezone.now(),
    )  # fmt: skip


class _Run:
    def __init__(self, workspace: Workspace, app: PlatformApp, rng: random.Random) -> None:
        self.workspace = workspace
        self.app = app
        self.rng = rng
        self.source: dict[int, int] = {}  # fan → index in SOURCES
        self.serial = 0

    def visit(self, release: Release, counts: Counts) -> presaves.Attribution:
        """A visit (page view and the button's click) that leads to a pre-save."""
        self.serial += 1
        ip = f"10.{self.serial // 65536}.{self.serial // 256 % 256}.{self.serial % 256}"
        utm, host = SOURCES[self.rng.randrange(len(SOURCES))]
        country = self.rng.choice(COUNTRIES)
        ua = self.rng.choice(USER_AGENTS)
        query = f"utm_source={utm}&utm_medium=social" if utm else ""
        referrer = f"https://{host}/post" if host else ""
        view = _hit(release, EventKind.PAGE_VIEW, ip, ua, country, query, referrer)
        ingest.record(view)
        ingest.record(_hit(release, EventKind.CLICK, ip, ua, country, "", "", "spotify"))
        counts.visits += 1
        counts.clicks += 1
        counts.presaves += 1
        counts.by_source[utm or host or "(direct)"] += 1
        return presaves.Attribution(
            utm_source=utm, utm_medium="social" if utm else "", referrer_host=host,
            country=country, visitor_id=view.fields["visitor_id"],
        )  # fmt: skip

    def presave_in_bulk(
        self, release: Release, acting: list[tuple[Fan | None, str]], counts: Counts
    ) -> list[Fan]:
        """Each fan's visit, then all the pre-saves through the bulk pre-save service; new
        fans are created in one insert (no platform connection: nothing is delivered)."""
        new = Fan.objects.bulk_create(
            Fan(workspace=self.workspace, display_name=key) for fan, key in acting if fan is None
        )
        fresh = iter(new)
        fans = [fan if fan is not None else next(fresh) for fan, _ in acting]
        entries = [(fan, self.visit(release, counts)) for fan in fans]
        presaves.record_presaves_in_bulk(release, "spotify", entries)
        return fans

    def visitor_only(self, release: Release, counts: Counts) -> None:
        self.serial += 1
        ip = f"10.200.{self.serial // 256 % 256}.{self.serial % 256}"
        ingest.record(_hit(release, EventKind.PAGE_VIEW, ip, USER_AGENTS[0], "", "", ""))
        counts.visits += 1
        counts.by_source["(direct)"] += 1


def _event(fan: Fan, release: Release, kind: str, actor: str, key: str) -> NewFanEvent:
    return NewFanEvent(
        workspace_id=fan.workspace_id, fan_id=fan.pk, kind=kind, key=key, actor=actor,
        artist_id=release.artist_id, release_id=release.pk, platform="spotify",
    )  # fmt: skip


def _at(day: dt.date, days: int = 0) -> time_machine.travel:
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC) + dt.timedelta(days=days)
    return time_machine.travel(moment, tick=False)


def simulate(
    workspace: Workspace,
    app: PlatformApp,
    new_fans: list[int],
    visitors_only: int,
    seed: int,
) -> Simulation:
    """``new_fans[i]`` new fans act on release i; ``visitors_only`` anonymous visits each."""
    rng = random.Random(seed)
    run = _Run(workspace, app, rng)
    with _at(FIRST_RELEASE, -120):
        artist = create_artist(workspace, name="Simulated Sky")
        releases = [
            create_release(
                artist,
                {"title": f"Release {i + 1}", "release_date": FIRST_RELEASE + i * RELEASE_GAP},
                [],
            )
            for i in range(len(new_fans))
        ]
    fans: dict[int, Fan] = {}
    keys: dict[int, str] = {}
    profiles: list[dict[int, str]] = []
    counts: list[Counts] = []
    cohorts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for index, release in enumerate(releases):
        release.refresh_from_db()
        previous = profiles[-1] if profiles else {}
        acting: list[tuple[Fan | None, str, str]] = []  # (fan or None for new, key, profile)
        engaged: dict[int, bool] = {}
        for fan_id, profile in sorted(previous.items()):
            engaged[fan_id] = rng.random() < PLANTED[profile]
        for fan_id, did in sorted(engaged.items()):
            if did:
                acting.append((fans[fan_id], keys[fan_id], rng.choice(ACT_PROFILES)))
        for n in range(new_fans[index]):
            acting.append((None, f"r{index}-f{n}", rng.choice(ACT_PROFILES)))
        c = Counts()
        now_profiles: dict[int, str] = dict.fromkeys(previous, NONE)
        day = release.release_date
        with _at(day, -10):
            stored_fans = run.presave_in_bulk(release, [(f, k) for f, k, _ in acting], c)
            for (fan, key, profile), stored in zip(acting, stored_fans, strict=True):
                fans[stored.pk], keys[stored.pk] = stored, key
                now_profiles[stored.pk] = profile
                assert fan is None or fan.pk == stored.pk
            for _ in range(visitors_only):
                run.visitor_only(release, c)
            buffer.events.flush()
        _release_life(release, [(fans[f], p) for f, p in sorted(now_profiles.items())], rng, c)
        for fan_id, did in engaged.items():
            cohorts[previous[fan_id]][0] += 1
            cohorts[previous[fan_id]][1] += int(did)
        profiles.append(now_profiles)
        counts.append(c)
    return Simulation(artist, releases, profiles, counts, dict(cohorts))


def _release_life(
    release: Release, fans: list[tuple[Fan, str]], rng: random.Random, c: Counts
) -> None:
    """Release day, the release week and the checks, through the fan event log."""
    day = release.release_date
    delivered: list[tuple[Fan, str]] = []
    with _at(day, 0):
        events = []
        for fan, profile in fans:
            # Every known fan gets the release-day email: fanloop's act, never engagement.
            events.append(_event(fan, release, FanEventKind.EMAIL_SENT, Actor.FANLOOP,
                                 f"sim:{release.pk}:{fan.pk}:sent"))  # fmt: skip
            if profile == NONE or (rng.random() >= DELIVERY_RATE and profile == "presaved_only"):
                continue
            delivered.append((fan, profile))
            base = f"sim:{release.pk}:{fan.pk}"
            events.append(_event(fan, release, FanEventKind.DELIVERY_SUCCEEDED, Actor.FANLOOP,
                                 f"{base}:delivered"))  # fmt: skip
            events.append(_event(fan, release, FanEventKind.SAVED, Actor.FANLOOP, f"{base}:saved"))
            if profile == "presaved_only" and rng.random() < 0.3:
                # A follow made at delivery from the fan's up-front consent: fanloop's act.
                events.append(_event(fan, release, FanEventKind.FOLLOWED, Actor.FANLOOP,
                                     f"{base}:followed"))  # fmt: skip
                c.follows += 1
        record_fan_events(events)
    c.delivered = len(delivered)
    _after(release, day, 1, delivered, "followed", FanEventKind.FOLLOWED)
    _after(release, day, 2, delivered, "one_click", FanEventKind.SAVED)
    _after(release, day, 3, delivered, "tracks", FanEventKind.TRACK_SAVED)
    _after(release, day, 20, delivered, "email_click", FanEventKind.EMAIL_CLICKED)
    c.follows += sum(1 for _, p in delivered if p == "followed")
    c.tracks = sum(1 for _, p in delivered if p == "tracks")
    c.email_clicks = sum(1 for _, p in delivered if p == "email_click")
    with _at(day, 7):
        events = []
        for fan, profile in delivered:
            key = f"sim:{release.pk}:{fan.pk}:7d"
            if profile == "presaved_kept":
                events.append(_event(fan, release, FanEventKind.SAVE_KEPT_7D, Actor.FANLOOP, key))
                c.kept_7d += 1
                c.kept_7d_m += 1
            elif profile == "presaved_only" and rng.random() < 0.5:
                # The check found it gone: the fan removed it (not an engaging act).
                events.append(_event(fan, release, FanEventKind.SAVE_MISSING, Actor.FAN, key))
                c.kept_7d_m += 1
                c.kept_30d_m += 1
        record_fan_events(events)
    with _at(day, 30):
        record_fan_events(
            _event(
                fan,
                release,
                FanEventKind.SAVE_KEPT_30D,
                Actor.FANLOOP,
                f"sim:{release.pk}:{fan.pk}:30d",
            )
            for fan, profile in delivered
            if profile == "presaved_kept"
        )
        c.kept_30d = sum(1 for _, p in delivered if p == "presaved_kept")
        c.kept_30d_m += c.kept_30d


def _after(
    release: Release, day: dt.date, days: int, fans: list[tuple[Fan, str]], profile: str,
    kind: str,
) -> None:  # fmt: skip
    with _at(day, days):
        extra = []
        for fan, p in fans:
            if p != profile:
                continue
            key = f"sim:act:{release.pk}:{fan.pk}:{kind}"
            extra.append(_event(fan, release, kind, Actor.FAN, key))
            if kind == FanEventKind.EMAIL_CLICKED:
                extra.append(_event(fan, release, FanEventKind.EMAIL_OPENED, Actor.FAN, key + "o"))
        record_fan_events(extra)
