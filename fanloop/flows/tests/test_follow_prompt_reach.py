"""A follow prompt reaches only fans with a connection that can follow: a fan whose only
platform is Apple Music (no follow there), or who only pre-saved, is skipped, in any flow
whose email carries the follow link, with or without a ``can_do`` condition before it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan, PlatformConnection, PreSave
from fanloop.flows.models import Flow, JourneyState
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.tests.app_factories import apple_app, spotify_app

from .engine_helpers import event, journey_of, log_of, make_flow, run, subscribed_fan

pytestmark = pytest.mark.django_db


def connect(fan: Fan, app: PlatformApp, user_id: str) -> None:
    PlatformConnection.objects.create(
        fan=fan, app=app, platform=app.platform, platform_user_id=user_id, access_token="t"
    )


def test_a_follow_email_skips_fans_with_no_connection_that_can_follow(
    settings: Any, monkeypatch: pytest.MonkeyPatch, workspace: Workspace, release: Release
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    Flow.objects.filter(is_default=True).delete()
    follow = EmailTemplate.objects.create(
        workspace=workspace, name="Follow", subject="Follow", text_body="{{ follow_url }}"
    )
    news = EmailTemplate.objects.create(
        workspace=workspace, name="News", subject="News", text_body="Hello"
    )
    flow = make_flow(
        workspace,
        [
            {"id": "prompt", "type": "email", "template": follow.pk},
            {"id": "news", "type": "email", "template": news.pk},
        ],
        trigger="release_live",
    )
    apple_only = subscribed_fan(workspace, email="apple@example.org")
    connect(apple_only, apple_app(workspace), "am-1")
    presaved_only = subscribed_fan(workspace, email="presaved@example.org")
    PreSave.objects.create(release=release, fan=presaved_only, platform="spotify")
    spotify = subscribed_fan(workspace, email="spotify@example.org")
    connect(spotify, spotify_app(workspace), "sp-1")
    for fan in (apple_only, presaved_only, spotify):
        event(fan, FanEventKind.RELEASE_LIVE, release=release)
    run()
    for fan in (apple_only, presaved_only):
        journey = journey_of(fan, flow)
        assert log_of(journey) == [("prompt", "skipped"), ("news", "passed")]
        assert journey.state == JourneyState.COMPLETED
        assert (
            journey.steps.get(step_id="prompt", outcome="skipped").detail
            == "no connection of the fan can follow"
        )
    assert log_of(journey_of(spotify, flow)) == [("prompt", "passed"), ("news", "passed")]
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == [
        ("apple@example.org", "News"),
        ("presaved@example.org", "News"),
        ("spotify@example.org", "Follow"),
        ("spotify@example.org", "News"),
    ]
