"""The simulated audience of ``simulation.py``, with the platform half played by the emulator.

The same planted behaviour (``simulation.PLANTED``: what a fan did on release N sets the
chance that they act on N+1) and the same act profiles, but no fan event is written by
hand: every fact comes from the producer that writes it in production, and every platform
fact from the emulator over HTTP.

    pre-save         the visit through the event log's ingest pipeline, then
                     ``record_platform_presave`` with tokens the emulator issued and the
                     consents the fan ticked (a returning fan's untouched ones withdrawn)
    delivered        release-day delivery (``fulfillment.tick`` and its batches: detection on
                     the emulator, the save through its API); one fan in ten of the
                     "pre-saved only" profile revoked fanloop's access before, so their
                     delivery fails; three in ten of them allowed the follow at delivery
    kept / removed   the library checks (``verification.verify_due``) at +1, +7 and +30 days,
                     for the fans who allowed them: "pre-saved and kept" fans keep the
                     album, half the "pre-saved only" fans remove it in their app (an
                     emulator act) on day 4
    followed         day 1, the one-click follow page's service (the tick recorded with its
                     wording, then the follow through the emulator)
    one-click saved  the fan removes the album in their app on day 1; day 2, the one-click
                     save page's service saves it again through the emulator
    saved tracks     day 3, the one-click "save this track" service
    email click      day 20, an email through the real send path (confirmed email consent),
                     its tracked link followed by the fan's browser (the redirect view)

The simulation's counts come from its plan and from the emulator, never from fanloop's
rows: ``Outside`` holds what the emulator counted.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics import buffer
from fanloop.campaigns import action_pages
from fanloop.catalog import services as catalog
from fanloop.catalog.models import Release, ReleaseMode
from fanloop.fans import consent_log, presaves
from fanloop.fans.models import ConsentKind, Fan, PlatformConnection
from fanloop.flows import verification
from fanloop.fulfillment import deliver
from fanloop.fulfillment import services as fulfillment
from fanloop.fulfillment.models import Delivery, DeliveryState, MarketWave
from fanloop.messaging import email_templates, sending
from fanloop.messaging.action_links import Action
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.app_factories import SPOTIFY_ID, unlimited_spotify_app

from .simulation import (
    ACT_PROFILES,
    FIRST_RELEASE,
    NONE,
    PLANTED,
    RELEASE_GAP,
    Counts,
    Simulation,
    _Run,
)

SCOPES = "user-library-modify user-library-read user-follow-modify user-follow-read"
PAGE = "/p (simulated pre-save page)"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CLICK = re.compile(r"http://testserver(/e/c/[^\s\"<>]+)")
REVOKED_SHARE = 0.1  # of the "pre-saved only" fans: their delivery fails
FOLLOW_SHARE = 0.3  # of the "pre-saved only" fans: fanloop follows at delivery
REMOVER_SHARE = 0.5  # of the "pre-saved only" fans: allow the checks, remove the album


@dataclass
class Plan:
    """What one fan does on one release, drawn before release day."""

    fan: Fan | None
    user: str
    profile: str
    revoked: bool = False
    follow_at_delivery: bool = False
    remover: bool = False

    @property
    def consents(self) -> tuple[str, ...]:
        kinds = []
        if self.follow_at_delivery:
            kinds.append(ConsentKind.FOLLOW)
        if self.profile == "presaved_kept" or self.remover:
            kinds.append(ConsentKind.VERIFY)
        return tuple(kinds)


@dataclass
class Outside:
    """What the emulator counted (its stats): save operations, items saved twice, fan acts."""

    save_ops: int = 0
    duplicate_saves: int = 0
    fan_acts: dict[str, int] = field(default_factory=dict)


@dataclass
class EmulatedSimulation(Simulation):
    outside: Outside = field(default_factory=Outside)
    planned_save_ops: int = 0
    planned_duplicates: int = 0


def _upc(first12: str) -> str:
    """A 13-digit UPC (EAN-13) with its check digit."""
    total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _world(
    admin: AdminClient, workspace: Workspace, releases: int, platform_settings: Any
) -> tuple[PlatformApp, list[Release], list[dict[str, Any]], EmailTemplate]:
    """The artist and its releases at the emulator and in fanloop, the app, a template."""
    platform_settings.SITE_URL = "http://testserver"
    albums: list[dict[str, Any]] = [
        {
            "key": f"r{i}",
            "name": f"Release {i + 1}",
            "upc": _upc(f"0602445791{i:02d}"),
            "artists": ["sky"],
            "release_at": dt.datetime.combine(
                FIRST_RELEASE + i * RELEASE_GAP, dt.time(0, 0), tzinfo=dt.UTC
            ).isoformat(),
            "tracks": [{"key": f"r{i}t1", "name": f"Song {i + 1}", "isrc": f"USSK1250{i:04d}"}],
        }
        for i in range(releases)
    ]
    seeded = admin.catalog([{"key": "sky", "name": "Simulated Sky"}], albums)
    app = unlimited_spotify_app(admin, workspace)
    with time_machine.travel(
        dt.datetime.combine(FIRST_RELEASE, dt.time(12), tzinfo=dt.UTC) - dt.timedelta(days=120)
    ):
        spotify_artist = seeded["artists"][0]["ids"]["spotify"]
        artist = catalog.create_artist(
            workspace,
            name="Simulated Sky",
            slug="simulated-sky",
            platform_links={"spotify": f"https://open.spotify.com/artist/{spotify_artist}"},
        )
        made = [
            catalog.create_release(
                artist,
                {
                    "title": album["name"],
                    "slug": f"release-{i + 1}",
                    "upc": album["upc"],
                    "release_mode": ReleaseMode.GLOBAL,
                    "release_date": FIRST_RELEASE + i * RELEASE_GAP,
                    "release_time": dt.time(0, 0),
                    "release_time_zone": "UTC",
                },
                [
                    {
                        "position": 1,
                        "title": album["tracks"][0]["name"],
                        "isrc": album["tracks"][0]["isrc"],
                    }
                ],
            )
            for i, album in enumerate(albums)
        ]
        template = email_templates.save_template(
            EmailTemplate(
                workspace=workspace,
                artist=artist,
                name="Tour dates",
                subject="{{ artist.name }} on tour",
                text_body="Hi! {{ artist.name }} plays near you: https://tour.example.org/dates",
            )
        )
    return app, made, seeded["albums"], template


def _tokens(admin: AdminClient, plans: list[Plan]) -> list[Tokens]:
    """Fresh tokens for each fan (the fan goes through the consent screen again)."""
    raw = admin.tokens(
        [
            {"platform": "spotify", "user_id": p.user, "client_id": SPOTIFY_ID, "scopes": SCOPES}
            for p in plans
        ]
    )
    now = timezone.now()
    return [
        Tokens(
            access_token=t["access_token"],
            refresh_token=t["refresh_token"],
            expires_at=now + dt.timedelta(seconds=int(t["expires_in"])),
            scopes=frozenset(t["scope"].split()),
        )
        for t in raw
    ]


def _deliver(release: Release) -> None:
    """Release day, synchronously: the tick and the batches the worker's schedule runs."""
    now = timezone.now()
    for _ in range(100):
        batches = fulfillment.tick(now)
        for batch in batches:
            deliver.run_batch(batch.app_id, batch.batch_id, sleep=lambda s: None)
        open_ = Delivery.objects.filter(release=release).exclude(
            state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.NEEDS_RECONNECT]
        )
        if not batches and not open_.exists() and Delivery.objects.filter(release=release).exists():
            return
    waves = MarketWave.objects.filter(state__release=release).values_list(
        "status", "last_poll_message"
    )
    raise AssertionError(f"the delivery did not finish: {list(waves)}")


def _verify() -> None:
    while verification.verify_due(limit=500).checked:
        pass


def _connection(fan: Fan) -> PlatformConnection:
    return PlatformConnection.objects.select_related("app").get(fan=fan, platform="spotify")


def _travel(release: Release, days: float, hour: int = 1) -> time_machine.travel:
    """The clock ``days`` after the release's instant (midnight UTC), at ``hour``."""
    moment = dt.datetime.combine(release.release_date, dt.time(0, 0), tzinfo=dt.UTC)
    return time_machine.travel(moment + dt.timedelta(days=days, hours=hour))


def simulate_through_emulator(
    workspace: Workspace,
    admin: AdminClient,
    platform_settings: Any,
    new_fans: list[int],
    visitors_only: int,
    seed: int,
) -> EmulatedSimulation:
    """``new_fans[i]`` new fans act on release i; ``visitors_only`` anonymous visits each."""
    rng = random.Random(seed)
    app, releases, albums, template = _world(admin, workspace, len(new_fans), platform_settings)
    run = _Run(workspace, app, rng)
    browser = Client(HTTP_USER_AGENT=FIREFOX)
    fans: dict[int, Fan] = {}
    users: dict[int, str] = {}
    profiles: list[dict[int, str]] = []
    counts: list[Counts] = []
    cohorts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    planned_ops = planned_duplicates = 0
    follow_ops: dict[str, int] = defaultdict(int)  # the emulator counts a follow as a save
    for index, release in enumerate(releases):
        previous = profiles[-1] if profiles else {}
        engaged = {fan_id: rng.random() < PLANTED[p] for fan_id, p in sorted(previous.items())}
        plans = [
            Plan(fans[f], users[f], rng.choice(ACT_PROFILES))
            for f, did in sorted(engaged.items())
            if did
        ]
        plans += [
            Plan(None, f"sky-r{index}-f{n}", rng.choice(ACT_PROFILES))
            for n in range(new_fans[index])
        ]
        for plan in plans:
            if plan.profile == "presaved_only":
                plan.revoked = rng.random() < REVOKED_SHARE
                plan.follow_at_delivery = rng.random() < FOLLOW_SHARE
                plan.remover = rng.random() < REMOVER_SHARE
        c = Counts()
        album_key = albums[index]["key"]
        with _travel(release, -10):
            admin.users(
                [
                    {
                        "platform": "spotify",
                        "id": p.user,
                        "country": "DE",
                        "email": f"{p.user}@fans.example",
                    }
                    for p in plans
                    if p.fan is None
                ]
            )
            for plan, tokens in zip(plans, _tokens(admin, plans), strict=True):
                attribution = run.visit(release, c)
                email = f"{plan.user}@fans.example"
                recorded = presaves.record_platform_presave(
                    release,
                    app,
                    Profile(
                        user_id=plan.user,
                        display_name=plan.user,
                        email=email,
                        country=attribution.country or None,
                    ),
                    tokens,
                    page=PAGE,
                    attribution=attribution,
                    consent_kinds=plan.consents,
                )
                fan, returning = recorded.fan, plan.fan is not None
                assert plan.fan is None or plan.fan.pk == fan.pk
                plan.fan = fans[fan.pk] = fan
                users[fan.pk] = plan.user
                # What a returning fan leaves unticked this time, they withdraw.
                for kind in (ConsentKind.FOLLOW, ConsentKind.VERIFY):
                    if returning and kind not in plan.consents:
                        consent_log.revoke_consent(fan, kind, PAGE, artist=release.artist)
                if plan.profile == "email_click":
                    consent_log.record_consent(
                        fan, ConsentKind.EMAIL, True, page=PAGE, confirmed=True
                    )
            for _ in range(visitors_only):
                run.visitor_only(release, c)
            buffer.events.flush()
            catalog.publish_release(release)
        for plan in plans:
            if plan.revoked:
                admin.revoke(platform="spotify", user_id=plan.user)
        delivered = [p for p in plans if not p.revoked]
        with _travel(release, 0):
            _deliver(release)
        states = Delivery.objects.filter(release=release).values_list("state", flat=True)
        assert sorted(states) == sorted(
            [DeliveryState.DELIVERED] * len(delivered)
            + [DeliveryState.NEEDS_RECONNECT] * (len(plans) - len(delivered))
        )
        c.delivered = len(delivered)
        c.follows = sum(p.follow_at_delivery for p in delivered)
        planned_ops += len(delivered)
        for plan in delivered:
            follow_ops[plan.user] += int(plan.follow_at_delivery)
        with _travel(release, 1):
            _verify()
            acts = []
            for plan in delivered:
                assert plan.fan is not None
                if plan.profile == "followed":
                    consent_log.record_consent(
                        plan.fan,
                        ConsentKind.FOLLOW,
                        True,
                        page=action_pages.ACTION_PAGE,
                        artist=release.artist,
                    )
                    done = action_pages.perform_action(
                        plan.fan, release, "follow", _connection(plan.fan)
                    )
                    assert done == action_pages.Outcome.DONE
                    c.follows += 1
                    follow_ops[plan.user] += 1
                elif plan.profile == "one_click":  # gone from their library, in their app
                    acts.append(
                        {
                            "platform": "spotify",
                            "user_id": plan.user,
                            "act": "remove",
                            "type": "album",
                            "key": album_key,
                        }
                    )
            if acts:
                admin.acts(acts)
        one_click_acts: tuple[tuple[int, str, Action, int | None], ...] = (
            (2, "one_click", "save", None),
            (3, "tracks", "save_track", 1),
        )
        for days, profile, action, track in one_click_acts:
            with _travel(release, days):
                for plan in delivered:
                    if plan.profile == profile:
                        assert plan.fan is not None
                        done = action_pages.perform_action(
                            plan.fan, release, action, _connection(plan.fan), track
                        )
                        assert done == action_pages.Outcome.DONE, (plan, done)
                        planned_ops += 1
        planned_duplicates += sum(p.profile == "one_click" for p in delivered)
        c.tracks = sum(p.profile == "tracks" for p in delivered)
        removers = [p for p in delivered if p.remover]
        with _travel(release, 4):
            if removers:
                admin.acts(
                    [
                        {
                            "platform": "spotify",
                            "user_id": p.user,
                            "act": "remove",
                            "type": "album",
                            "key": album_key,
                        }
                        for p in removers
                    ]
                )
        with _travel(release, 7):
            _verify()
        kept = sum(p.profile == "presaved_kept" for p in delivered)
        c.kept_7d = c.kept_30d = kept
        c.kept_7d_m = c.kept_30d_m = kept + len(removers)
        with _travel(release, 20, hour=12):  # outside quiet hours
            mail.outbox = []
            clickers = [p for p in delivered if p.profile == "email_click"]
            for plan in clickers:
                assert plan.fan is not None
                sent = sending.send_email(
                    fan=plan.fan,
                    template=template,
                    release=release,
                    key=f"sim:tour:{release.pk}:{plan.fan.pk}",
                )
                assert sent.status == "sent", sent
            links = {m.to[0]: CLICK.findall(str(m.body)) for m in mail.outbox}
            for plan in clickers:
                assert plan.fan is not None
                answer = browser.get(links[plan.fan.email][0])
                assert answer.status_code == 302, answer.content[:200]
            c.email_clicks = len(clickers)
        with _travel(release, 30):
            _verify()
        now_profiles: dict[int, str] = dict.fromkeys(previous, NONE)
        for plan in plans:
            assert plan.fan is not None
            now_profiles[plan.fan.pk] = plan.profile
        for fan_id, did in engaged.items():
            cohorts[previous[fan_id]][0] += 1
            cohorts[previous[fan_id]][1] += int(did)
        profiles.append(now_profiles)
        counts.append(c)
        release.refresh_from_db()
    planned_ops += sum(follow_ops.values())
    planned_duplicates += sum(n > 1 for n in follow_ops.values())
    stats = admin.stats()
    outside = Outside(
        save_ops=int(stats["save_ops_total"]),
        duplicate_saves=int(stats["duplicate_saves"]),
        fan_acts=dict(stats["fan_acts"]),
    )
    return EmulatedSimulation(
        releases[0].artist,
        releases,
        profiles,
        counts,
        dict(cohorts),
        outside=outside,
        planned_save_ops=planned_ops,
        planned_duplicates=planned_duplicates,
    )
