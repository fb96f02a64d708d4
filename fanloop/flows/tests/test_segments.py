"""Segments: each rule on real rows (both databases), the one consent rule, the fan's own
acts only, validation, the entry sweep and its flow trigger, and the ``in_segment`` check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.fans.presaves import Attribution, record_presave
from fanloop.flows import advance, conditions, intake, segments, services
from fanloop.flows.models import FanTag, Journey, Segment, SegmentMember

pytestmark = pytest.mark.django_db


def _fan(workspace: Workspace, email: str, country: str = "") -> Fan:
    return Fan.objects.create(workspace=workspace, email=email, country=country)


def _emails(segment: Segment) -> set[str]:
    return set(segments.members(segment).values_list("email", flat=True))


def _segment(workspace: Workspace, **rules: object) -> Segment:
    return segments.create_segment(workspace, name=f"s{Segment.objects.count()}", rules=rules)


@pytest.fixture
def other_release(artist: Artist) -> Release:
    return Release.objects.create(
        artist=artist, title="Second", slug="second", release_date=dt.date(2030, 1, 1)
    )


def test_platform_country_source_and_tags(workspace: Workspace, release: Release) -> None:
    a = _fan(workspace, "a@example.org", "GB")
    b = _fan(workspace, "b@example.org", "FR")
    c = _fan(workspace, "c@example.org", "GB")
    record_presave(a, release, "spotify", attribution=Attribution(utm_source="Instagram"))
    record_presave(b, release, "spotify", attribution=Attribution(referrer_host="tiktok.com"))
    record_presave(c, release, "email")
    FanTag.objects.create(fan=c, tag="superfan")

    assert _emails(_segment(workspace, platforms=["spotify"])) == {a.email, b.email}
    assert _emails(_segment(workspace, platforms=["email"])) == {c.email}
    assert _emails(_segment(workspace, countries=["gb"])) == {a.email, c.email}
    assert _emails(_segment(workspace, sources=["instagram", "tiktok.com"])) == {a.email, b.email}
    assert _emails(_segment(workspace, tags=["superfan", "other"])) == {c.email}
    both = _segment(workspace, platforms=["spotify"], countries=["GB"])
    assert _emails(both) == {a.email}


def test_consents_follow_the_one_rule(workspace: Workspace, artist: Artist) -> None:
    confirmed = _fan(workspace, "confirmed@example.org")
    pending = _fan(workspace, "pending@example.org")
    withdrawn = _fan(workspace, "withdrawn@example.org")
    for_artist = _fan(workspace, "artist@example.org")
    record_consent(confirmed, "email", True, page="/p", confirmed=True)
    record_consent(pending, "email", True, page="/p")
    record_consent(withdrawn, "email", True, page="/p", confirmed=True)
    record_consent(withdrawn, "email", False, page="/p")
    record_consent(for_artist, "email", True, page="/p", artist=artist, confirmed=True)
    record_consent(for_artist, "follow", True, page="/p", artist=artist)

    assert _emails(_segment(workspace, consents=["email"])) == {confirmed.email, for_artist.email}
    assert _emails(_segment(workspace, consents=["email", "follow"])) == {for_artist.email}


def test_score_counts_the_fans_own_acts(workspace: Workspace, release: Release) -> None:
    keen = _fan(workspace, "keen@example.org")
    passive = _fan(workspace, "passive@example.org")
    idle = _fan(workspace, "idle@example.org")
    record_fan_event(keen, "followed", key="f1", actor=Actor.FAN, release=release)  # 10
    record_fan_event(keen, "saved", key="s1", actor=Actor.FAN, release=release)  # 5
    record_fan_event(passive, "saved", key="s2", actor=Actor.FANLOOP, release=release)
    record_fan_event(passive, "presaved", key="p2", actor=Actor.FAN, release=release)  # 2
    for n in range(9):  # opens count up to 5 times: 5 points, not 9
        record_fan_event(passive, "email_opened", key=f"o{n}", actor=Actor.FAN)

    assert _emails(_segment(workspace, score_min=15)) == {keen.email}
    assert _emails(_segment(workspace, score_min=7)) == {keen.email, passive.email}
    assert _emails(_segment(workspace, score_min=8)) == {keen.email}
    # Three fans: the top 34 % is two places, the second place (passive, 7) is the bar.
    assert _emails(_segment(workspace, score_top=34)) == {keen.email, passive.email}
    assert _emails(_segment(workspace, score_top=33)) == {keen.email}
    assert _emails(_segment(workspace, score_top=100)) == {keen.email, passive.email}
    assert idle.email not in _emails(_segment(workspace, score_top=100))


def test_did_and_did_not_on_a_release_or_an_artist_with_dates(
    workspace: Workspace, artist: Artist, release: Release, other_release: Release
) -> None:
    early = _fan(workspace, "early@example.org")
    late = _fan(workspace, "late@example.org")
    by_fanloop = _fan(workspace, "fanloop@example.org")
    other = _fan(workspace, "other@example.org")
    event, _ = record_fan_event(early, "saved", key="e", actor=Actor.FAN, release=release)
    FanEvent.objects.filter(pk=event.pk).update(created=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    event, _ = record_fan_event(late, "saved", key="l", actor=Actor.FAN, release=other_release)
    FanEvent.objects.filter(pk=event.pk).update(created=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))
    record_fan_event(by_fanloop, "saved", key="d", actor=Actor.FANLOOP, release=release)

    def did(**action: object) -> set[str]:
        return _emails(_segment(workspace, actions=[{"kind": "saved", **action}]))

    assert did() == {early.email, late.email}  # fanloop's save is not the fan's act
    assert did(release=release.pk) == {early.email}
    assert did(artist=artist.pk) == {early.email, late.email}
    assert did(since="2026-03-02") == {late.email}
    assert did(until="2026-03-01") == {early.email}  # the end day is included
    assert did(since="2026-03-01", until="2026-05-31", artist=artist.pk) == {early.email}
    assert did(did=False, release=release.pk) == {late.email, by_fanloop.email, other.email}


def test_other_workspaces_fans_are_never_members(
    workspace: Workspace, outsider: object, release: Release
) -> None:
    mine = _fan(workspace, "mine@example.org", "GB")
    theirs_ws = Workspace.objects.create(name="Theirs", slug="theirs")
    theirs = _fan(theirs_ws, "theirs@example.org", "GB")
    segment = _segment(workspace, countries=["GB"])
    assert _emails(segment) == {mine.email}
    assert not segments.contains(segment, theirs)


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"platforms": ["myspace"]}, "platforms"),
        ({"countries": ["GBR"]}, "countries"),
        ({"consents": ["spam"]}, "consents"),
        ({"score_min": "lots"}, "score_min"),
        ({"score_top": 0}, "score_top"),
        ({"tags": ["x" * 101]}, "tags"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"actions": [{"kind": "email_sent"}]}, "actions"),  # fanloop's act, not the fan's
        ({"actions": [{"kind": "saved", "since": "2026-02-30"}]}, "actions"),
        ({"actions": [{"kind": "saved", "since": "2026-03-02", "until": "2026-03-01"}]}, "actions"),
        ({"actions": [{"kind": "saved"}] * 6}, "actions"),
        ({"whatever": 1}, "rules"),
    ],
)
def test_bad_rules_are_refused_with_the_field(
    workspace: Workspace, rules: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        segments.create_segment(workspace, name="Bad", rules=rules)
    assert field in refused.value.message_dict
    assert not Segment.objects.exists()


def test_an_action_on_another_workspaces_release_is_refused(
    workspace: Workspace, release: Release
) -> None:
    theirs = Workspace.objects.create(name="Theirs", slug="theirs")
    with pytest.raises(ValidationError) as refused:
        segments.create_segment(
            theirs, name="Peek", rules={"actions": [{"kind": "saved", "release": release.pk}]}
        )
    assert "no such release" in str(refused.value)


def test_names_are_unique_per_workspace(workspace: Workspace) -> None:
    segments.create_segment(workspace, name="Fans", rules={})
    with pytest.raises(ValidationError):
        segments.create_segment(workspace, name="Fans", rules={})
    with pytest.raises(ValidationError):
        segments.create_segment(workspace, name="  ", rules={})


def test_export_rows_carry_consent_columns(workspace: Workspace) -> None:
    fan = _fan(workspace, "=cmd@example.org", "GB")
    record_consent(fan, "email", True, page="/p")
    record_consent(fan, "follow", True, page="/p")
    [row] = segments.export_rows(_segment(workspace, countries=["GB"]))
    assert row["email"] == "=cmd@example.org"  # made formula-safe by the CSV writer
    assert row["consent_email"] == "pending"
    assert row["consent_follow"] == "active"
    assert row["consent_forever_save"] == ""


def test_the_sweep_records_entries_after_the_first_and_triggers_a_flow(
    workspace: Workspace,
) -> None:
    first = _fan(workspace, "first@example.org", "GB")
    segment = segments.create_segment(
        workspace, name="UK", rules={"countries": ["GB"]}, track_entries=True
    )
    flow = services.create_flow(
        workspace,
        name="Welcome UK",
        trigger="joined_segment",
        steps=[
            {"type": "condition", "check": "in_segment", "value": segment.pk},
            {"type": "tag", "tag": "welcomed"},
        ],
    )
    services.activate(flow)
    t0 = timezone.now()
    assert segments.sweep_due(t0) == 0  # the first sweep only records who is in
    assert set(SegmentMember.objects.values_list("fan_id", flat=True)) == {first.pk}
    assert not FanEvent.objects.filter(kind=FanEventKind.JOINED_SEGMENT).exists()

    newcomer = _fan(workspace, "new@example.org", "GB")
    Fan.objects.filter(pk=first.pk).update(country="FR")
    assert segments.sweep_due(t0 + dt.timedelta(minutes=1)) == 0  # not due yet
    assert segments.sweep_due(t0 + segments.SWEEP_INTERVAL) == 1
    assert set(SegmentMember.objects.values_list("fan_id", flat=True)) == {newcomer.pk}
    joined = FanEvent.objects.get(kind=FanEventKind.JOINED_SEGMENT)
    assert (joined.fan_id, joined.actor, joined.data["segment"]) == (
        newcomer.pk,
        Actor.FANLOOP,
        segment.pk,
    )

    intake.consume_events(owner="test")
    journey = Journey.objects.get(flow=flow)
    assert journey.fan_id == newcomer.pk
    for token, ids in advance.claim_due():
        advance.advance_batch(token, ids)
    assert FanTag.objects.filter(fan=newcomer, tag="welcomed").exists()


def test_in_segment_condition(workspace: Workspace) -> None:
    inside = _fan(workspace, "in@example.org", "GB")
    outside = _fan(workspace, "out@example.org", "FR")
    segment = _segment(workspace, countries=["GB"])
    step = {"check": "in_segment", "value": segment.pk}
    assert conditions.evaluate(step, conditions.Subject(inside, None, None))[0]
    met, why = conditions.evaluate(step, conditions.Subject(outside, None, None))
    assert not met
    assert segment.name in why
    deleted = {"check": "in_segment", "value": segment.pk + 1000}
    assert not conditions.evaluate(deleted, conditions.Subject(inside, None, None))[0]


def test_update_restarts_tracking(workspace: Workspace) -> None:
    fan = _fan(workspace, "a@example.org", "GB")
    segment = segments.create_segment(
        workspace, name="UK", rules={"countries": ["GB"]}, track_entries=True
    )
    segments.sweep(segment)
    assert SegmentMember.objects.filter(fan=fan).exists()
    segments.update_segment(segment, rules={"countries": ["GB", "IE"]})
    segment.refresh_from_db()
    assert segment.swept_at is None
    assert not SegmentMember.objects.exists()


def test_a_segment_a_flow_checks_is_kept(workspace: Workspace) -> None:
    segment = _segment(workspace, countries=["GB"])
    flow = services.create_flow(
        workspace,
        name="Checks it",
        trigger="presaved",
        steps=[{"type": "condition", "check": "in_segment", "value": segment.pk}],
    )
    with pytest.raises(ValidationError) as refused:
        segments.delete_segment(segment)
    assert "Checks it" in str(refused.value)
    services.activate(flow)
    services.stop(flow)
    segments.delete_segment(segment)
    assert not Segment.objects.exists()


def test_a_segment_of_another_workspace_is_refused_in_a_flow(workspace: Workspace) -> None:
    theirs = segments.create_segment(
        Workspace.objects.create(name="Theirs", slug="theirs"), name="T", rules={}
    )
    with pytest.raises(ValidationError):
        services.create_flow(
            workspace,
            name="Peek",
            trigger="presaved",
            steps=[{"type": "condition", "check": "in_segment", "value": theirs.pk}],
        )


def test_a_count_is_one_query_whatever_the_rules(
    workspace: Workspace, artist: Artist, release: Release, django_assert_num_queries: Any
) -> None:
    segment = _segment(
        workspace,
        platforms=["spotify", "email"],
        countries=["GB"],
        sources=["instagram"],
        consents=["email", "follow"],
        score_min=3,
        tags=["vip"],
        actions=[
            {"kind": "saved", "release": release.pk, "since": "2026-01-01"},
            {"did": False, "kind": "followed", "artist": artist.pk},
        ],
    )
    segment = Segment.objects.select_related("workspace").get(pk=segment.pk)
    with django_assert_num_queries(1):
        segments.members(segment).count()
    _fan(workspace, "fan@example.org", "GB")
    top = _segment(workspace, countries=["GB"], score_top=10)
    top = Segment.objects.select_related("workspace").get(pk=top.pk)
    with django_assert_num_queries(3):  # the workspace's size and the bar, then the count
        segments.members(top).count()
