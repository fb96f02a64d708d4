"""Broadcasts through the flow email pipeline and the real SMTP sink, counted at the sink:
the audience fixed at the start, skip reasons (consent, suppression, frequency cap),
quiet hours defer, one-click unsubscribe headers, run twice sends nothing twice,
cancel before the start only, and the stats."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist
from fanloop.catalog.services import delete_artist
from fanloop.fans import identity, rights
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.flows import broadcasts, segments
from fanloop.flows.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    Segment,
    SegmentMember,
)
from fanloop.messaging import sending_rules
from fanloop.messaging.email_templates import delete_template
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.suppressions import add_suppression, unsubscribe
from fanloop.messaging.tests.conftest import Sink

pytestmark = pytest.mark.django_db


def _fan(workspace: Workspace, email: str, *, consent: bool = True, country: str = "GB") -> Fan:
    fan = Fan.objects.create(workspace=workspace, email=email, country=country)
    if consent:
        record_consent(fan, "email", True, page="/t", confirmed=True)
    return fan


@pytest.fixture
def template(workspace: Workspace, artist: Artist) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace,
        artist=artist,
        name="News",
        subject="News from {{ artist.name }}",
        text_body="Hello {{ fan.name }}, big news.",
    )


@pytest.fixture
def uk(workspace: Workspace) -> Segment:
    return segments.create_segment(workspace, name="UK", rules={"countries": ["GB"]})


@pytest.fixture
def no_quiet_hours(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)


def _broadcast(workspace: Workspace, segment: Segment, template: EmailTemplate) -> Broadcast:
    return broadcasts.create_broadcast(
        workspace, name="Big news", segment=segment, template=template
    )


def _started(
    workspace: Workspace, segment: Segment, template: EmailTemplate, fans: int
) -> Broadcast:
    """A broadcast to ``fans`` consenting fans ``fan<n>@example.org``, started (its
    audience fixed, nothing sent)."""
    for n in range(fans):
        _fan(workspace, f"fan{n}@example.org")
    broadcast = _broadcast(workspace, segment, template)
    broadcasts.schedule_broadcast(broadcast)
    broadcasts.start_due()
    return broadcast


def _to(sink: Sink) -> list[str]:
    return sorted(str(message["To"]) for message in sink.messages())


def test_a_broadcast_reaches_the_segment_once_with_skip_reasons(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any
) -> None:
    for n in range(5):
        _fan(workspace, f"fan{n}@example.org")
    _fan(workspace, "france@example.org", country="FR")  # not in the segment
    _fan(workspace, "noconsent@example.org", consent=False)
    add_suppression(workspace, "suppressed@example.org")
    _fan(workspace, "suppressed@example.org")
    unsubscribe(_fan(workspace, "left@example.org"))

    broadcast = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(broadcast)
    batch = broadcasts.run(broadcast.pk)
    assert batch.left == 0

    assert _to(smtp_sink) == sorted(f"fan{n}@example.org" for n in range(5))
    message = smtp_sink.messages()[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://" in message["List-Unsubscribe"] or "http://" in message["List-Unsubscribe"]
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.SENT and broadcast.audience == 8
    stats = broadcasts.stats(broadcast)
    assert (stats.sent, stats.waiting, stats.percent) == (5, 0, 100)
    assert stats.skipped == {MessageStatus.NO_CONSENT: 1, MessageStatus.SUPPRESSED: 2}

    # Again (a retried step, a second worker): keys already in the outbox send nothing.
    Broadcast.objects.filter(pk=broadcast.pk).update(status=BroadcastStatus.SENDING)
    broadcasts.run(broadcast.pk)
    assert len(smtp_sink.messages()) == 5
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 5


def test_the_audience_is_fixed_when_it_starts(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any
) -> None:
    _fan(workspace, "early@example.org")
    broadcast = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(broadcast)
    assert broadcasts.start_due() == [broadcast.pk]
    _fan(workspace, "late@example.org")
    broadcasts.run(broadcast.pk)
    assert _to(smtp_sink) == ["early@example.org"]


def test_the_frequency_cap_skips_and_quiet_hours_defer(
    smtp_sink: Sink,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Workspace,
    uk: Segment,
    template: Any,
) -> None:
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 1)
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    busy = _fan(workspace, "busy@example.org")
    _fan(workspace, "calm@example.org")
    first = _broadcast(workspace, uk, template)
    OutboundMessage.objects.create(
        workspace=workspace, fan=busy, key="earlier", to=busy.email, subject="s",
        status=MessageStatus.SENT, sent_at=timezone.now(),
    )  # fmt: skip
    broadcasts.schedule_broadcast(first)
    broadcasts.run(first.pk)
    assert _to(smtp_sink) == ["calm@example.org"]
    assert broadcasts.stats(Broadcast.objects.get(pk=first.pk)).skipped == {MessageStatus.CAPPED: 1}

    # Quiet hours all day long in the fans' zone: nothing leaves, everyone waits.
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "00:00-23:59")
    _fan(workspace, "night@example.org")
    second = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(second)
    batch = broadcasts.run(second.pk)
    assert batch.left == 3 and batch.wait_s > 0
    assert len(smtp_sink.messages()) == 1
    second.refresh_from_db()
    assert second.status == BroadcastStatus.SENDING
    assert broadcasts.stats(second).waiting == 3


def test_cancel_only_before_it_starts(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any
) -> None:
    _fan(workspace, "fan@example.org")
    later = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(later, timezone.now() + dt.timedelta(hours=1))
    assert broadcasts.start_due() == []
    broadcasts.cancel_broadcast(later)
    assert broadcasts.start_due(timezone.now() + dt.timedelta(hours=2)) == []
    assert later.status == BroadcastStatus.CANCELLED
    with pytest.raises(ValidationError):
        broadcasts.schedule_broadcast(later)

    now = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(now)
    broadcasts.run(now.pk)
    with pytest.raises(ValidationError):
        broadcasts.cancel_broadcast(now)
    assert _to(smtp_sink) == ["fan@example.org"]


def test_a_test_send_goes_to_the_member_only(
    smtp_sink: Sink, workspace: Workspace, uk: Segment, template: Any
) -> None:
    _fan(workspace, "fan@example.org")
    broadcast = _broadcast(workspace, uk, template)
    broadcasts.send_test(broadcast, to="member@example.org")
    assert _to(smtp_sink) == ["member@example.org"]
    assert str(smtp_sink.messages()[0]["Subject"]).startswith("[Test]")
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DRAFT


def test_another_workspaces_segment_or_template_is_refused(
    workspace: Workspace, uk: Segment, template: Any
) -> None:
    other = Workspace.objects.create(name="Other", slug="other")
    with pytest.raises(ValidationError):
        broadcasts.create_broadcast(other, name="x", segment=uk, template=template)
    assert not Broadcast.objects.exists()


def test_a_segment_with_a_broadcast_is_kept(
    workspace: Workspace, uk: Segment, template: Any
) -> None:
    _broadcast(workspace, uk, template)
    with pytest.raises(ValidationError):
        segments.delete_segment(uk)
    assert Segment.objects.filter(pk=uk.pk).exists()


def test_batches_walk_the_audience_by_cursor_then_retry(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(broadcasts, "BATCH_SIZE", 2)
    broadcast = _started(workspace, uk, template, fans=5)
    steps = []
    cursor = 0
    while True:
        batch = broadcasts.send_batch(broadcast.pk, cursor=cursor)
        steps.append((batch.tried, batch.left))
        cursor = batch.cursor
        if batch.left == 0:
            break
    assert steps == [(2, broadcasts.MORE), (2, broadcasts.MORE), (1, 0)]
    assert len(smtp_sink.messages()) == 5


def test_parts_of_the_audience_are_sent_apart_and_the_last_marks_it_sent(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any,
) -> None:  # fmt: skip
    broadcast = _started(workspace, uk, template, fans=7)
    first = broadcasts.send_batch(broadcast.pk, shard=0, shards=2)
    assert first.left == 0  # its part settled: the other part is not its business
    assert not broadcasts.finish(broadcast.pk)  # the other part is still to send
    assert broadcast_status(broadcast) == BroadcastStatus.SENDING
    part_one = set(_to(smtp_sink))
    second = broadcasts.send_batch(broadcast.pk, shard=1, shards=2)
    assert second.left == 0 and broadcasts.finish(broadcast.pk)
    assert broadcast_status(broadcast) == BroadcastStatus.SENT
    everyone = _to(smtp_sink)
    assert everyone == sorted(f"fan{n}@example.org" for n in range(7))  # each once
    assert 0 < len(part_one) < 7


def test_the_audience_is_cut_into_parts_by_id_each_sent_once_and_the_last_marks_it_sent(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(broadcasts, "PART_SIZE", 3)
    broadcast = _started(workspace, uk, template, fans=7)
    ids = list(
        BroadcastRecipient.objects.filter(broadcast=broadcast)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    parts = broadcasts.parts(broadcast.pk)
    assert parts == [(ids[0], ids[2]), (ids[3], ids[5]), (ids[6], ids[6])]
    sent: list[list[str]] = []
    for first, last in reversed(parts):  # in any order: the last one done marks it sent
        assert broadcast_status(broadcast) == BroadcastStatus.SENDING
        before = _to(smtp_sink)
        batch = broadcasts.send_batch(broadcast.pk, first=first, last=last)
        assert batch.left == 0  # its part settled: the others are not its business
        sent.append(sorted(set(_to(smtp_sink)) - set(before)))
        assert broadcasts.finish(broadcast.pk) == (first == parts[0][0])
    assert [len(part) for part in sent] == [1, 3, 3]
    assert broadcast_status(broadcast) == BroadcastStatus.SENT
    assert _to(smtp_sink) == sorted(f"fan{n}@example.org" for n in range(7))  # each once


def test_an_empty_audience_is_one_part_that_marks_it_sent(
    workspace: Workspace, uk: Segment, template: Any
) -> None:
    broadcast = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(broadcast)
    broadcasts.start_due()
    assert broadcasts.parts(broadcast.pk) == [(0, 0)]
    assert broadcasts.send_batch(broadcast.pk, first=0, last=0).left == 0
    assert broadcasts.finish(broadcast.pk)
    assert broadcast_status(broadcast) == BroadcastStatus.SENT


def broadcast_status(broadcast: Broadcast) -> str:
    return Broadcast.objects.get(pk=broadcast.pk).status


def test_a_merged_fan_keeps_its_broadcast_and_segment_places_and_exports_them(
    smtp_sink: Sink, no_quiet_hours: None, workspace: Workspace, uk: Segment, template: Any
) -> None:
    into = _fan(workspace, "into@example.org", country="FR")
    other = _fan(workspace, "other@example.org")
    segments.update_segment(uk, track_entries=True)
    segments.sweep(uk)
    broadcast = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(broadcast)
    broadcasts.run(broadcast.pk)

    identity.merge_fans(into=into, other=other)
    assert list(BroadcastRecipient.objects.values_list("fan_id", flat=True)) == [into.pk]
    assert list(SegmentMember.objects.values_list("fan_id", flat=True)) == [into.pk]
    # (The merged-away fan's outbox rows go with it, as messaging keeps no merge part.)
    exported = rights.export_fan(into)["broadcasts"]
    assert [row["broadcast"] for row in exported] == ["Big news"]
    assert exported[0]["started"] is not None


def test_a_template_an_open_broadcast_uses_is_kept(
    workspace: Workspace, uk: Segment, template: Any
) -> None:
    broadcast = _broadcast(workspace, uk, template)
    with pytest.raises(ValidationError) as refused:
        delete_template(template)
    assert "Big news" in str(refused.value)
    assert EmailTemplate.objects.filter(pk=template.pk).exists()
    broadcasts.cancel_broadcast(broadcast)
    delete_template(template)  # a finished broadcast keeps its stats without it
    broadcast.refresh_from_db()
    assert broadcast.template is None


def test_an_artist_deleted_with_the_template_cancels_the_broadcast(
    workspace: Workspace, artist: Artist, uk: Segment, template: Any
) -> None:
    _fan(workspace, "fan@example.org")
    broadcast = _broadcast(workspace, uk, template)
    broadcasts.schedule_broadcast(broadcast)
    delete_artist(artist)
    assert broadcasts.start_due() == []
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED
    assert not OutboundMessage.objects.exists()


def test_a_workspace_goes_with_its_broadcasts_segments_and_templates(
    workspace: Workspace, uk: Segment, template: Any
) -> None:
    fan = _fan(workspace, "fan@example.org")
    broadcast = _broadcast(workspace, uk, template)
    BroadcastRecipient.objects.create(broadcast=broadcast, fan=fan)
    workspace.delete()  # the protections guard against deleting one alone, not all together
    assert not Broadcast.objects.exists() and not Segment.objects.exists()
    assert not EmailTemplate.objects.exists()
