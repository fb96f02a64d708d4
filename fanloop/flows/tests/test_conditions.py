"""Every condition check, with ``negate``, against real rows; and verification results
(save verified / missing / kept) driving a flow's save prompt."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans import consent_log
from fanloop.fans.models import Fan, PlatformConnection, PreSave
from fanloop.flows.conditions import Subject, evaluate
from fanloop.flows.models import FanTag, Flow, JourneyState
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.app_factories import apple_app, deezer_app

from .engine_helpers import event, journey_of, log_of, make_flow, run, subscribed_fan

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(fan: Fan, release: Release) -> Subject:
    return Subject(fan=fan, release=release, artist=release.artist)


def check(subject: Subject, name: str, value: Any = None, negate: bool = False) -> bool:
    step = {"type": "condition", "check": name, "value": value, "negate": negate}
    return evaluate(step, subject)[0]


def test_has_saved_means_verified_and_not_missing_since(
    subject: Subject, fan: Fan, release: Release
) -> None:
    assert not check(subject, "has_saved")
    event(fan, FanEventKind.SAVED, release=release)  # a click is not a verification
    assert not check(subject, "has_saved")
    event(fan, FanEventKind.SAVE_VERIFIED, release=release)
    assert check(subject, "has_saved")
    assert not check(subject, "has_saved", negate=True)
    event(fan, FanEventKind.SAVE_MISSING, release=release)
    assert not check(subject, "has_saved")
    event(fan, FanEventKind.SAVE_KEPT_7D, release=release)
    assert check(subject, "has_saved")


def test_has_saved_is_per_release(subject: Subject, fan: Fan, release: Release) -> None:
    other = Release.objects.create(
        artist=release.artist, title="Other", slug="other", release_date=release.release_date
    )
    event(fan, FanEventKind.SAVE_VERIFIED, release=other)
    assert not check(subject, "has_saved")
    assert evaluate({"check": "has_saved"}, Subject(fan, None, release.artist)) == (
        False,
        "no release in this journey",
    )


def test_is_following_by_follow_or_verified_follow_of_this_artist(
    subject: Subject, fan: Fan, artist: Artist, workspace: Workspace
) -> None:
    someone_else = Artist.objects.create(workspace=workspace, name="Else", slug="else")
    event(fan, FanEventKind.FOLLOWED, artist=someone_else)
    assert not check(subject, "is_following")
    assert check(subject, "is_following", negate=True)
    event(fan, FanEventKind.FOLLOW_VERIFIED, artist=artist)
    assert check(subject, "is_following")


def test_engagement_at_least_uses_the_release_score(
    subject: Subject, fan: Fan, release: Release
) -> None:
    assert check(subject, "engagement_at_least", 0)
    assert not check(subject, "engagement_at_least", 5)
    event(fan, FanEventKind.PRESAVED, release=release)  # 2 points
    event(fan, FanEventKind.EMAIL_CLICKED, release=release)  # 3 points
    assert check(subject, "engagement_at_least", 5)
    assert evaluate({"check": "engagement_at_least", "value": 6}, subject) == (
        False,
        "engagement score 5",
    )


def test_platform_by_connection_or_presave(subject: Subject, fan: Fan, release: Release) -> None:
    assert not check(subject, "platform", "deezer")
    PreSave.objects.create(release=release, fan=fan, platform="deezer")
    assert check(subject, "platform", "deezer")
    assert not check(subject, "platform", "spotify")


def test_country(subject: Subject, fan: Fan) -> None:
    assert check(subject, "country", "DE")  # the fan fixture is in Germany
    assert not check(subject, "country", "FR")
    assert check(subject, "country", "FR", negate=True)


def test_consent_is_the_latest_active_decision(subject: Subject, fan: Fan, artist: Artist) -> None:
    assert not check(subject, "consent", "follow")
    consent_log.record_consent(fan, "follow", True, page="test", artist=artist)
    assert check(subject, "consent", "follow")
    consent_log.record_consent(fan, "follow", False, page="test", artist=artist)
    assert not check(subject, "consent", "follow")
    consent_log.record_consent(fan, "email", True, page="test")  # not confirmed yet
    assert not check(subject, "consent", "email")


def test_segment(subject: Subject, fan: Fan) -> None:
    assert not check(subject, "segment", "vip")
    FanTag.objects.create(fan=fan, tag="vip")
    assert check(subject, "segment", "vip")


def test_verification_results_drive_the_save_prompt(
    settings: Any, monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    """The default flow's save step: a fan whose save was verified skips the save prompt,
    one whose save went missing gets it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    Flow.objects.filter(is_default=True).delete()
    prompt = EmailTemplate.objects.create(
        workspace=workspace, name="Save", subject="Save it", text_body="{{ save_url }}"
    )
    flow = make_flow(
        workspace,
        [
            {
                "id": "not-saved",
                "type": "condition",
                "check": "has_saved",
                "negate": True,
                "if_false": "next",
            },
            {"id": "prompt", "type": "email", "template": prompt.pk},
            {"id": "after", "type": "tag", "tag": "prompted-or-saved"},
        ],
        trigger="release_live",
    )
    kept = subscribed_fan(workspace, email="kept@example.org")
    lost = subscribed_fan(workspace, email="lost@example.org")
    event(kept, FanEventKind.SAVE_VERIFIED, release=release)
    event(lost, FanEventKind.SAVE_VERIFIED, release=release)
    event(lost, FanEventKind.SAVE_MISSING, release=release)
    for fan in (kept, lost):
        event(fan, FanEventKind.RELEASE_LIVE, release=release)
    run()
    assert log_of(journey_of(kept, flow)) == [
        ("not-saved", "passed"),
        ("prompt", "skipped"),
        ("after", "passed"),
    ]
    assert log_of(journey_of(lost, flow)) == [
        ("not-saved", "passed"),
        ("prompt", "passed"),
        ("after", "passed"),
    ]
    assert journey_of(lost, flow).state == JourneyState.COMPLETED
    assert [m.to for m in mail.outbox] == [["lost@example.org"]]


def test_in_library_trusts_fanloops_save_until_a_check_finds_it_removed(
    subject: Subject, fan: Fan, release: Release
) -> None:
    assert evaluate({"check": "in_library"}, subject) == (False, "not saved")
    event(fan, FanEventKind.DELIVERY_FAILED, release=release, actor="fanloop")
    assert not check(subject, "in_library")
    event(fan, FanEventKind.SAVED, release=release, actor="fanloop", data={"via": "delivery"})
    assert evaluate({"check": "in_library"}, subject) == (True, "saved by fanloop on release day")
    event(fan, FanEventKind.SAVE_MISSING, release=release)
    assert not check(subject, "in_library") and check(subject, "in_library", negate=True)
    event(fan, FanEventKind.SAVED, release=release)  # the fan saved it again, one click
    assert check(subject, "in_library")


def test_did_counts_the_fans_own_acts_unless_told_otherwise(
    subject: Subject, fan: Fan, release: Release
) -> None:
    event(fan, FanEventKind.SAVED, release=release, actor="fanloop", data={"via": "delivery"})
    assert not check(subject, "did", "saved")
    assert check(subject, "did", "saved:fanloop") and check(subject, "did", "saved:any")
    event(fan, FanEventKind.SAVED, release=release)
    assert check(subject, "did", "saved")


def test_acted_since_release_needs_a_fan_act_after_the_release_went_live(
    subject: Subject, fan: Fan, release: Release
) -> None:
    event(fan, FanEventKind.PRESAVED, release=release)
    event(fan, FanEventKind.RELEASE_LIVE, release=release, actor="fanloop")
    event(fan, FanEventKind.SAVED, release=release, actor="fanloop", data={"via": "delivery"})
    event(fan, FanEventKind.EMAIL_OPENED, release=release)  # an open is not an act
    assert not check(subject, "acted_since_release")
    event(fan, FanEventKind.TRACK_SAVED, release=release)
    assert check(subject, "acted_since_release")


def test_can_do_knows_apple_music_cannot_follow(
    subject: Subject, fan: Fan, release: Release
) -> None:
    assert not check(subject, "can_do", "save")
    PreSave.objects.create(release=release, fan=fan, platform="applemusic")
    assert check(subject, "can_do", "save") and not check(subject, "can_do", "follow")
    connect(fan, apple_app(fan.workspace), "am-user")
    assert not check(subject, "can_do", "follow")
    # A pre-save alone is no way to follow: the follow goes through the fan's connection.
    PreSave.objects.create(release=release, fan=fan, platform="deezer")
    assert not check(subject, "can_do", "follow")
    connect(fan, deezer_app(fan.workspace), "dz-user")
    assert check(subject, "can_do", "follow")
    assert evaluate({"check": "can_do", "value": "follow"}, subject)[1] == "can follow on deezer"


def connect(fan: Fan, app: PlatformApp, user_id: str) -> PlatformConnection:
    return PlatformConnection.objects.create(
        fan=fan, app=app, platform=app.platform, platform_user_id=user_id, access_token="t"
    )


def test_engagement_top_share_ranks_the_release_audience_of_the_flow(
    workspace: Workspace, release: Release, monkeypatch: Any
) -> None:
    flow = make_flow(workspace, [{"id": "w", "type": "wait", "duration_s": 60}])
    audience = [subscribed_fan(workspace, email=f"f{n}@example.org") for n in range(10)]
    for n, fan in enumerate(audience):
        event(fan, FanEventKind.PRESAVED, release=release)  # 2 each: starts the journeys
        for _ in range(n // 3):  # fan 9 clicks 3 times, 6-8 twice, 3-5 once, 0-2 never
            event(fan, FanEventKind.EMAIL_CLICKED, release=release)
    run()
    assert flow.journeys.count() == 10

    def top(fan: Fan, share: str) -> bool:
        subject = Subject(fan, release, release.artist, flow_id=flow.pk)
        return evaluate({"check": "engagement_at_least", "value": share}, subject)[0]

    # scores: fan 9: 11, fans 6-8: 8, fans 3-5: 5, fans 0-2: 2 (the pre-save alone)
    from fanloop.flows import conditions, scoring

    conditions._RANKINGS.clear()
    calls: list[int] = []
    real = scoring.audience_scores

    def counting(fan_ids: Any, release: Release) -> dict[int, int]:
        calls.append(1)
        return real(fan_ids, release)

    monkeypatch.setattr(scoring, "audience_scores", counting)
    assert [n for n, fan in enumerate(audience) if top(fan, "top 10%")] == [9]
    # top 30 %: three places; the third is a tie at 8, so every fan at 8 is in
    assert [n for n, fan in enumerate(audience) if top(fan, "top 30%")] == [6, 7, 8, 9]
    assert [n for n, fan in enumerate(audience) if top(fan, "top 50%")] == [3, 4, 5, 6, 7, 8, 9]
    assert len(calls) == 1  # the cohort is ranked once, not once per fan
    # no flow to compare with: never met
    assert not evaluate(
        {"check": "engagement_at_least", "value": "top 30%"},
        Subject(audience[9], release, release.artist),
    )[0]
