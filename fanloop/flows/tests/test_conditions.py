"""Every condition check, with ``negate``, against real rows; and verification results
(save verified / missing / kept) driving a flow's save prompt."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans import services as fans
from fanloop.fans.models import Fan, PreSave
from fanloop.flows.conditions import Subject, evaluate
from fanloop.flows.models import FanTag, Flow, JourneyState
from fanloop.messaging.models import EmailTemplate

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
    fans.record_consent(fan, "follow", True, page="test", artist=artist)
    assert check(subject, "consent", "follow")
    fans.record_consent(fan, "follow", False, page="test", artist=artist)
    assert not check(subject, "consent", "follow")
    fans.record_consent(fan, "email", True, page="test")  # not confirmed yet
    assert not check(subject, "consent", "email")


def test_segment(subject: Subject, fan: Fan) -> None:
    assert not check(subject, "segment", "vip")
    FanTag.objects.create(fan=fan, tag="vip")
    assert check(subject, "segment", "vip")


def test_verification_results_drive_the_save_prompt(
    settings: Any, workspace: Workspace, release: Release
) -> None:
    """The default flow's save step: a fan whose save was verified skips the save prompt,
    one whose save went missing gets it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_QUIET_HOURS = ""
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
