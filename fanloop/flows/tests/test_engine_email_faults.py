"""A flow batch meeting a mail server fault: the first temporary error stops the batch's
sending (one message tried, not one per chunk), every journey waits for the mail server
instead of failing its step, and once it is back each fan gets the email once. Against
the real SMTP sink."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.catalog.models import Release
from fanloop.flows.models import Flow, Journey, JourneyState, JourneyStep
from fanloop.messaging import sending as services
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.tests.conftest import Sink
from fanloop.messaging.tests.conftest import smtp_sink as smtp_sink  # a fixture, by name

from .engine_helpers import event, later, make_flow, run, subscribed_fan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings: Any, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    Flow.objects.filter(is_default=True).delete()
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)
    monkeypatch.setattr(services, "SEND_CHUNK", 4)
    settings.SITE_URL = "http://testserver"


def test_a_batch_stops_at_the_first_temporary_error_and_its_journeys_wait(
    smtp_sink: Sink, workspace: Workspace, release: Release
) -> None:
    note = EmailTemplate.objects.create(
        workspace=workspace, name="Note", subject="Out now", text_body="{{ release.title }}"
    )
    make_flow(workspace, [{"id": "e", "type": "email", "template": note.pk}])
    fans = [subscribed_fan(workspace, f"f{i}@example.org") for i in range(10)]
    for fan in fans:
        event(fan, FanEventKind.PRESAVED, release=release)
    smtp_sink.server.refuse("451 4.3.0 Try again later")

    run()

    assert smtp_sink.server.handler.refused == 1  # 3 chunks, one message tried
    journeys = list(Journey.objects.all())
    assert {j.state for j in journeys} == {JourneyState.WAITING}
    assert not JourneyStep.objects.filter(outcome="failed").exists()
    waits = JourneyStep.objects.filter(outcome="waiting").values_list("detail", flat=True)
    assert len(waits) == 10
    assert all(d.startswith("deferred (mail server unavailable)") for d in waits)
    assert not OutboundMessage.objects.exclude(status=MessageStatus.PENDING).exists()

    smtp_sink.server.refuse(None)
    run(later(hours=2))
    assert {j.state for j in Journey.objects.all()} == {JourneyState.COMPLETED}
    received = sorted(str(m["To"]) for m in smtp_sink.messages())
    assert received == sorted(fan.email for fan in fans)
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 10


def test_a_journey_deferred_by_the_mail_server_is_due_within_the_backoff(
    smtp_sink: Sink, workspace: Workspace, release: Release
) -> None:
    note = EmailTemplate.objects.create(
        workspace=workspace, name="Note", subject="Out now", text_body="{{ release.title }}"
    )
    make_flow(workspace, [{"id": "e", "type": "email", "template": note.pk}])
    fan = subscribed_fan(workspace, "solo@example.org")
    event(fan, FanEventKind.PRESAVED, release=release)
    smtp_sink.server.stop()
    run()
    [journey] = Journey.objects.all()
    assert journey.state == JourneyState.WAITING and journey.due_at is not None
    from fanloop.messaging.sending import RETRY_BASE_S

    assert journey.due_at - journey.updated <= dt.timedelta(seconds=RETRY_BASE_S + 1)
