"""The progression, true to the fan: a scripted audience through the real services and the
emulator over HTTP (no fan, connection, pre-save or event row written by hand).

Every fan pre-saves on Spotify the day before release (the connect service, with tokens the
emulator issued); release-day delivery runs (detection on the emulator, saves through its
API); the fans then act on their own, as planted below: clicks on the tracked links of the
emails they got, tracks saved or the album removed in their app (the emulator's admin
acts, read back by the +1 day verification through the platform API), opens, nothing at
all. The default flow decides the rest, and the test asserts, fan by fan, which prompt
each got, counted at the SMTP sink:

    group        share  act after the pre-save                      +2 d prompt   follow
    super        10 %   clicks the release-day email, then taps a    track         yes
                        track in the track prompt (one-click page)
    tracks       20 %   saves two tracks in their app                track         yes
    clicker      10 %   clicks the release-day email                 track         no (*)
    remover       5 %   removes the album in their app               album         no
    idle         20 %   nothing (half of them allow no checks)       track         no
    opener       20 %   opens the release-day email                  track         no
    revoked      15 %   revoked fanloop's access before release      album         no
                        (the delivery fails)

(*) acted since the release, but not in the top 30 % of the release's fans by score
(super and tracks fans fill it exactly: 300 of 1,000).

``FANLOOP_PROGRESSION_FANS`` sets the audience size (default 1,000; a multiple of 20).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog import services as catalog
from fanloop.catalog.models import ReleaseMode
from fanloop.fans import consent_log, identity, presaves
from fanloop.fans.models import ConsentKind, Fan
from fanloop.flows import engine
from fanloop.flows.models import Flow
from fanloop.flows.stats import step_counts
from fanloop.fulfillment import deliver, services
from fanloop.fulfillment import services as fulfillment
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.messaging import sending_rules
from fanloop.messaging.tests.conftest import Sink, smtp_sink  # noqa: F401 - fixture
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.tests.app_factories import unlimited_spotify_app

pytestmark = pytest.mark.django_db

SIZE = int(os.environ.get("FANLOOP_PROGRESSION_FANS", "1000"))
UPC = "0602445790098"
SCOPES = "user-library-modify user-library-read user-follow-modify user-follow-read"
GROUPS = (
    ("super", 2),
    ("tracks", 4),
    ("clicker", 2),
    ("remover", 1),
    ("idle", 4),
    ("opener", 4),
    ("revoked", 3),
)  # twentieths of the audience
GROUP_OF = [name for name, n in GROUPS for _ in range(n)]
OUT = "Hush Signal is out now"
TRACK = "Which track of Hush Signal is yours?"
ALBUM = "Add Hush Signal to your library"
FOLLOW = "Hear The Quiet Loops's next release first"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
LINK = re.compile(r"http://testserver(/e/[co]/[^\s\"<>]+)")


def group(n: int) -> str:
    return GROUP_OF[n % 20]


@pytest.fixture
def world(
    admin: AdminClient,
    platform_settings: Any,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    platform_settings.SITE_URL = "http://testserver"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    platform_settings.EMAIL_OPEN_TRACKING = True
    monkeypatch.setattr(services, "BATCH_SIZE", 100)
    # Batches run here, in the test's transaction: threads of their own would open other
    # database connections, which cannot see this test's uncommitted rows.
    monkeypatch.setattr(deliver, "BATCH_THREADS", 1)
    t0 = (timezone.now() - dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    seeded = admin.catalog(
        [{"key": "loops", "name": "The Quiet Loops"}],
        [
            {
                "key": "hush",
                "name": "Hush Signal",
                "upc": UPC,
                "artists": ["loops"],
                "release_at": t0.isoformat(),
                "tracks": [
                    {"key": "t1", "name": "Static Bloom", "isrc": "USQL12600001"},
                    {"key": "t2", "name": "Night Drive", "isrc": "USQL12600002"},
                    {"key": "t3", "name": "Last Light", "isrc": "USQL12600003"},
                ],
            }
        ],
    )
    app = unlimited_spotify_app(admin, workspace)
    artist = catalog.create_artist(
        workspace,
        name="The Quiet Loops",
        slug="the-quiet-loops",
        platform_links={
            "spotify": f"https://open.spotify.com/artist/{seeded['artists'][0]['ids']['spotify']}"
        },
    )
    release = catalog.create_release(
        artist,
        {
            "title": "Hush Signal",
            "slug": "hush-signal",
            "upc": UPC,
            "release_mode": ReleaseMode.GLOBAL,
            "release_date": t0.date(),
            "release_time": t0.time(),
            "release_time_zone": "UTC",
        },
        [
            {"position": n, "title": title, "isrc": f"USQL1260000{n}"}
            for n, title in enumerate(("Static Bloom", "Night Drive", "Last Light"), start=1)
        ],
    )
    return {"t0": t0, "release": release, "app": app, "album": seeded["albums"][0]}


def _presave_all(admin: AdminClient, world: dict[str, Any]) -> list[Fan]:
    """Each fan connects Spotify (the connect service, with emulator tokens), pre-saves,
    subscribes to emails and, except half the idle fans, allows the library checks."""
    release, app = world["release"], world["app"]
    users = [f"loop{n:04d}" for n in range(SIZE)]
    admin.users(
        [
            {"platform": "spotify", "id": u, "country": "DE", "email": f"{u}@fans.example"}
            for u in users
        ]
    )
    tokens = admin.tokens(
        [
            {"platform": "spotify", "user_id": u, "client_id": app.client_id, "scopes": SCOPES}
            for u in users
        ]
    )
    audience = []
    now = timezone.now()
    for n, (user, raw) in enumerate(zip(users, tokens, strict=True)):
        connected = identity.upsert_fan_for_connection(
            release.artist.workspace,
            app,
            Profile(user_id=user, country="DE", email=f"{user}@fans.example"),
            Tokens(
                access_token=raw["access_token"],
                refresh_token=raw["refresh_token"],
                expires_at=now + dt.timedelta(seconds=raw["expires_in"]),
                scopes=frozenset(raw["scope"].split()),
            ),
        )
        fan, connection = connected.fan, connected.connection
        presaves.record_presave(fan, release, "spotify", connection=connection)
        consent_log.record_consent(fan, ConsentKind.EMAIL, True, page="/p", confirmed=True)
        if not (group(n) == "idle" and n % 2):
            consent_log.record_consent(
                fan, ConsentKind.VERIFY, True, page="/p", artist=release.artist
            )
        audience.append(fan)
    return audience


def _deliver(now: dt.datetime) -> None:
    """Release day, synchronously: the same tick and batches the worker's DBOS schedule runs."""
    for _ in range(50):
        batches = fulfillment.tick(now)
        for batch in batches:
            deliver.run_batch(batch.app_id, batch.batch_id, sleep=lambda s: None)
        open_ = Delivery.objects.exclude(
            state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.NEEDS_RECONNECT]
        )
        if not batches and not open_.exists() and Delivery.objects.exists():
            return
    raise AssertionError("the delivery did not finish")


def _inbox(sink: Sink, seen: set[Path]) -> dict[str, list[EmailMessage]]:
    """New messages at the sink since the last call, by recipient."""
    out: dict[str, list[EmailMessage]] = {}
    for message in sink.new_messages(seen):
        out.setdefault(str(message["To"]), []).append(message)
    return out


def _links(message: EmailMessage, kind: str) -> list[str]:
    text = ""
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            text += str(part.get_content())
    return [path for path in LINK.findall(text) if path.startswith(f"/e/{kind}/")]


def _subjects(inbox: dict[str, list[EmailMessage]], fan: Fan) -> list[str]:
    return [str(m["Subject"]) for m in inbox.get(fan.email, [])]


def _library(admin: AdminClient, user: str) -> set[str]:
    return {e["key"] for e in admin.library("spotify", user)["saved"]}


def test_each_fan_gets_the_prompt_their_own_acts_call_for(
    admin: AdminClient,
    world: dict[str, Any],
    smtp_sink: Sink,  # noqa: F811
) -> None:
    t0, release = world["t0"], world["release"]
    album_key = f"spotify:album:{world['album']['ids']['spotify']}"
    # A fan's browser (link scanners and scripts do not count as clicks or opens).
    browser = Client(HTTP_USER_AGENT=FIREFOX)
    seen: set[Path] = set()
    with time_machine.travel(t0 - dt.timedelta(days=1)):
        audience = _presave_all(admin, world)
        catalog.publish_release(release)  # schedules the delivery
        engine.run_until_idle()  # journeys start and wait for the release
    users = {fan.pk: f"loop{n:04d}" for n, fan in enumerate(audience)}
    for n, fan in enumerate(audience):
        if group(n) == "revoked":
            admin.revoke(platform="spotify", user_id=users[fan.pk])

    # Release day: delivery, then the "it's out" email to everyone. The clock ticks on while
    # a stage runs (minutes for 1,000 fans on a busy machine): each later stage is dated from
    # the end of the one it waits on, so every fan's wait is over whatever the stage took.
    with time_machine.travel(t0 + dt.timedelta(minutes=1)):
        _deliver(timezone.now())
        engine.run_until_idle()
        day0_done = timezone.now()
    states = Counter(Delivery.objects.filter(release=release).values_list("state", flat=True))
    revoked = sum(group(n) == "revoked" for n in range(SIZE))
    assert states == {
        DeliveryState.DELIVERED: SIZE - revoked,
        DeliveryState.NEEDS_RECONNECT: revoked,
    }
    day0 = _inbox(smtp_sink, seen)
    assert all(_subjects(day0, fan) == [OUT] for fan in audience)

    # The fans act on their own: clicks and opens here, saves and removals in their app.
    acts: list[dict[str, Any]] = []
    for n, fan in enumerate(audience):
        user, message = users[fan.pk], day0[fan.email][0]
        if group(n) in ("super", "clicker"):
            assert browser.get(_links(message, "c")[0]).status_code == 302
        elif group(n) == "opener":
            assert browser.get(_links(message, "o")[0]).status_code == 200
        elif group(n) == "tracks":
            acts += [
                {"platform": "spotify", "user_id": user, "act": "save", "type": "track", "key": k}
                for k in ("t2", "t3")
            ]
        elif group(n) == "remover":
            acts.append(
                {"platform": "spotify", "user_id": user, "act": "remove", "type": "album",
                 "key": "hush"}
            )  # fmt: skip
    admin.acts(acts)

    # +1 day: the first library check reads the tracks saved and the albums removed.
    with time_machine.travel(day0_done + dt.timedelta(days=1, hours=1)):
        from fanloop.flows.verification import verify_due

        while verify_due(limit=500).checked:
            pass

    # +2 days: the save stage.
    with time_machine.travel(day0_done + dt.timedelta(days=2, minutes=1)):
        engine.run_until_idle()
        day2_done = timezone.now()
    day2 = _inbox(smtp_sink, seen)
    for n, fan in enumerate(audience):
        expected = [ALBUM] if group(n) in ("remover", "revoked") else [TRACK]
        assert _subjects(day2, fan) == expected, (n, group(n), _subjects(day2, fan))
        if expected == [ALBUM]:  # never while the album is in their library
            assert album_key not in _library(admin, users[fan.pk])
        else:
            assert album_key in _library(admin, users[fan.pk])
    for n, fan in enumerate(audience):
        if group(n) == "super":  # taps the first track of the track prompt
            page = browser.get(_links(day2[fan.email][0], "c")[0])
            assert page.status_code == 302
            done = browser.post(page["Location"], {"platform": "spotify"})
            assert done.status_code == 200, done.content[:300]

    # +5 days: the follow prompt.
    with time_machine.travel(day2_done + dt.timedelta(days=3, minutes=1)):
        engine.run_until_idle()
    day5 = _inbox(smtp_sink, seen)
    for n, fan in enumerate(audience):
        expected = [FOLLOW] if group(n) in ("super", "tracks") else []
        assert _subjects(day5, fan) == expected, (n, group(n), _subjects(day5, fan))

    # Fanloop's release-day save never counted as the fan's act.
    delivered = FanEvent.objects.filter(release=release, kind=FanEventKind.SAVED)
    assert set(delivered.filter(data__via="delivery").values_list("actor", flat=True)) == {
        Actor.FANLOOP
    }
    # The editor's per-step counts tell the same story.
    flow = Flow.objects.get(workspace=release.artist.workspace, is_default=True)
    assert flow.current_version is not None
    counts = step_counts(flow.current_version)
    share = {name: SIZE * n // 20 for name, n in GROUPS}
    in_library = SIZE - share["remover"] - share["revoked"]
    assert counts["its-out"]["passed"] == SIZE
    assert counts["save-prompt"]["passed"] == share["remover"] + share["revoked"]
    assert counts["save-prompt"].get("skipped", 0) == in_library
    assert counts["track-prompt"]["passed"] == in_library
    acted = share["super"] + share["tracks"] + share["clicker"]
    assert counts["acted"]["left"] == SIZE - acted
    assert counts["engaged"]["left"] == share["clicker"]
    assert counts["follow-prompt"]["passed"] == share["super"] + share["tracks"]
    # Counted outside fanloop: every message at the SMTP sink, no album saved twice.
    assert len(smtp_sink.messages()) == 2 * SIZE + share["super"] + share["tracks"]
    assert admin.stats()["duplicate_saves"] == 0
