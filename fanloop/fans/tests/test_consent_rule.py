"""One consent rule: for a fan, a kind and an artist, the LATEST row among the rows that
apply to that artist (its own and the workspace-wide ones) decides; email must also be
confirmed; with no artist only workspace-wide rows apply. Every path that asks "is this
consent active?" must give the same answer: the per-fan check, the SQL audience queries
(release day, the email CSV, the fans list), verification, the outbox's batch check, and
the answer kept on the fan that segments read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist
from fanloop.fans import consent_log, consents, links, optin, queries
from fanloop.fans.models import Consent, ConsentKind, Fan
from fanloop.flows import segments, verification
from fanloop.fulfillment import audience, forever
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.sending import EmailRequest, _email_decisions, _Facts

KINDS = [kind.value for kind in ConsentKind]
ARTISTS = ("North", "South")


@pytest.fixture
def two_artists(workspace: Workspace) -> tuple[Artist, Artist]:
    return create_artist(workspace, name=ARTISTS[0]), create_artist(workspace, name=ARTISTS[1])


def _fan(workspace: Workspace, name: str) -> Fan:
    return Fan.objects.create(workspace=workspace, email=f"{name}@fans.example")


def _template(workspace: Workspace, artist: Artist | None) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace, artist=artist, name=f"t-{artist}", subject="s", text_body="b"
    )


# --- the reported disagreement -------------------------------------------------------


def test_a_workspace_wide_grant_then_a_revoke_for_one_artist_is_inactive_on_every_path(
    workspace, two_artists
):
    north, south = two_artists
    fan = _fan(workspace, "jo")
    consent_log.record_consent(fan, "follow", True, page="/p")  # workspace-wide
    consent_log.record_consent(fan, "follow", False, page="/me/", artist=north)

    assert not consent_log.consent_is_active(
        consent_log.current_consents(fan, artist=north)["follow"]
    )
    assert not consents.is_active(fan, "follow", north)
    assert fan.pk not in set(
        queries.active_consents("follow", north).values_list("fan_id", flat=True)
    )
    assert fan.pk not in audience.active_consents(ConsentKind.FOLLOW, north)
    assert fan.pk not in verification._latest_consents([fan.pk], "follow", Release(artist=north))
    # The other artist and the workspace itself are still covered by the workspace-wide grant.
    assert consents.is_active(fan, "follow", south) and consents.is_active(fan, "follow", None)
    assert fan.pk in audience.active_consents(ConsentKind.FOLLOW, south)


def test_the_email_csv_of_an_artist_leaves_out_a_fan_who_withdrew_for_that_artist(
    workspace, two_artists
):
    north, south = two_artists
    fan = _fan(workspace, "jo")
    consent_log.record_consent(fan, "email", True, page="/p", confirmed=True)  # workspace-wide
    consent_log.record_consent(fan, "email", False, page="/me/", artist=north)

    assert [row[0] for row in queries.email_export_rows(workspace, north)] == []
    assert [row[0] for row in queries.email_export_rows(workspace, south)] == [fan.email]
    assert [row[0] for row in queries.email_export_rows(workspace)] == [fan.email]


def test_an_artists_decision_does_not_speak_for_the_workspace(workspace, two_artists):
    north, _ = two_artists
    fan = _fan(workspace, "jo")
    consent_log.record_consent(fan, "email", True, page="/p", artist=north, confirmed=True)
    assert consents.is_active(fan, "email", north)
    assert not consents.is_active(fan, "email", None)
    assert consent_log.current_consents(fan)["email"] is None
    facts = _Facts([EmailRequest(fan, _template(workspace, None), "k")], timezone.now())
    assert facts.email_consent(fan, None) is None
    # The fans list ("any sender") still shows the fan as an email subscriber.
    listed = queries.fan_list(workspace, queries.FanFilters(consent="email"))
    assert list(listed) == [fan]


def test_the_forever_save_check_skips_artists_no_one_is_opted_in_for_any_more(
    workspace, two_artists
):
    north, _ = two_artists
    fan = _fan(workspace, "jo")
    consent_log.record_consent(fan, "forever_save", True, page="/p", artist=north)
    consent_log.record_consent(fan, "forever_save", False, page="/me/", artist=north)
    assert forever.forever_artists() == []
    consent_log.record_consent(fan, "forever_save", True, page="/p")  # workspace-wide
    assert sorted(a.name for a in forever.forever_artists()) == ["North", "South"]


def test_a_row_not_read_by_the_rule_is_refused(workspace):
    fan = _fan(workspace, "jo")
    row = consent_log.record_consent(fan, "follow", True, page="/p")
    with pytest.raises(TypeError, match="not a consent decision"):
        consent_log.consent_is_active(row)


def test_the_batch_check_reads_a_chunk_with_several_artists_in_one_query(workspace, two_artists):
    north, south = two_artists
    fans = [_fan(workspace, f"f{i}") for i in range(6)]
    for fan in fans:
        consent_log.record_consent(fan, "email", True, page="/p", confirmed=True)
    consent_log.record_consent(fans[0], "email", False, page="/me/", artist=north)
    templates = [_template(workspace, a) for a in (None, north, south)]
    requests = [
        EmailRequest(fan, templates[(i + i // 6) % 3], f"k{i}")
        for i, fan in enumerate(fans + fans[:3])
    ]
    with CaptureQueriesContext(connection) as queries_run:
        found = _email_decisions(requests)
    assert len(queries_run) == 1
    assert len(found) == len(requests)
    assert not consents.decision_is_active(found[(fans[0].pk, north.pk)])
    assert consents.decision_is_active(found[(fans[0].pk, None)])


def test_the_release_day_audience_is_one_query_however_many_fans(workspace, two_artists):
    north, _ = two_artists
    for i in range(30):
        fan = _fan(workspace, f"f{i}")
        consent_log.record_consent(fan, "forever_save", True, page="/p", artist=north)
        if i % 3 == 0:
            consent_log.record_consent(fan, "forever_save", False, page="/p")
    with CaptureQueriesContext(connection) as queries_run:
        found = audience.active_consents(ConsentKind.FOREVER_SAVE, north)
    assert len(queries_run) == 1 and len(found) == 20


# --- every path agrees, for random logs --------------------------------------------------


@dataclass(frozen=True)
class Op:
    fan: int
    kind: str
    scope: int | None  # index into the artists, None: workspace-wide
    action: str  # grant, grant_confirmed, revoke, confirm


OPS = st.builds(
    Op,
    fan=st.integers(0, 1),
    kind=st.sampled_from(KINDS),
    scope=st.sampled_from([None, 0, 1]),
    action=st.sampled_from(["grant", "grant_confirmed", "revoke", "confirm"]),
)


@dataclass
class Row:
    pk: int
    kind: str
    scope: int | None
    granted: bool
    confirmed: bool


def _decides_its_scope(rows: list[Row], row: Row) -> bool:
    return not any(
        r.pk > row.pk and r.kind == row.kind and (r.scope is None or r.scope == row.scope)
        for r in rows
    )


def _expected(rows: list[Row], kind: str, scope: int | None) -> bool:
    """The rule, written out plainly: the latest applicable row decides."""
    applicable = [r for r in rows if r.kind == kind and (r.scope is None or r.scope == scope)]
    if not applicable:
        return False
    latest = max(applicable, key=lambda r: r.pk)
    return latest.granted and (kind != ConsentKind.EMAIL or latest.confirmed)


def _replay(workspace: Workspace, artists: tuple[Artist, Artist], ops: list[Op]) -> list[Fan]:
    fans = [_fan(workspace, f"p{i}") for i in range(2)]
    for op in ops:
        fan, artist = fans[op.fan], None if op.scope is None else artists[op.scope]
        if op.action == "confirm":
            optin.confirm_email(links.confirm_token(fan.pk, fan.email))
        else:
            consent_log.record_consent(
                fan,
                op.kind,
                op.action != "revoke",
                page="/p",
                artist=artist,
                confirmed=op.action == "grant_confirmed",
            )
    return fans


def _log(fan: Fan, artists: tuple[Artist, Artist]) -> list[Row]:
    index = {artists[0].pk: 0, artists[1].pk: 1}
    return [
        Row(c.pk, c.kind, index.get(c.artist_id or 0), c.granted, c.confirmed_at is not None)
        for c in Consent.objects.filter(fan=fan).order_by("pk")
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, max_size=14))
def test_every_path_agrees_with_the_rule(workspace, two_artists, ops):
    with transaction.atomic():
        fans = _replay(workspace, two_artists, ops)
        _check_every_path(workspace, two_artists, fans)
        transaction.set_rollback(True)


def _check_every_path(
    workspace: Workspace, artists: tuple[Artist, Artist], fans: list[Fan]
) -> None:
    now = timezone.now() + dt.timedelta(seconds=1)
    logs = {fan.pk: _log(fan, artists) for fan in fans}
    fan_ids = [fan.pk for fan in fans]
    scopes: list[tuple[int | None, Artist | None]] = [
        (None, None),
        (0, artists[0]),
        (1, artists[1]),
    ]
    # The outbox's batch check: every fan, every sender, in one chunk.
    templates = {index: _template(workspace, artist) for index, artist in scopes}
    requests = [
        EmailRequest(fan, templates[index], f"k{index}") for fan in fans for index, _ in scopes
    ]
    facts = _Facts(requests, now)
    for kind in KINDS:
        for index, artist in scopes:
            expected = {f for f in fan_ids if _expected(logs[f], kind, index)}
            where = f"{kind} for {artist or 'the workspace'}"
            per_fan = {
                fan.pk
                for fan in fans
                if consent_log.consent_is_active(
                    consent_log.current_consents(fan, artist=artist)[kind]
                )
            }
            assert per_fan == expected, where
            assert {f.pk for f in fans if consents.is_active(f, kind, artist)} == expected, where
            in_sql = set(
                consents.active(kind, artist)
                .filter(fan_id__in=fan_ids)
                .values_list("fan_id", flat=True)
            )
            assert in_sql == expected, where
            if artist is not None:
                by_query = queries.active_consents(kind, artist).filter(fan_id__in=fan_ids)
                assert set(by_query.values_list("fan_id", flat=True)) == expected, where
                assert audience.active_consents(ConsentKind(kind), artist, fan_ids) == expected
                release = Release(artist=artist)
                assert verification._latest_consents(fan_ids, kind, release) == expected, where
            if kind == ConsentKind.EMAIL:
                batch = {
                    f.pk
                    for f in fans
                    if consent_log.consent_is_active(facts.email_consent(f, artist))
                }
                assert batch == expected, where
                exported = {row[0] for row in queries.email_export_rows(workspace, artist)}
                if artist is not None:
                    assert exported == {f.email for f in fans if f.pk in expected}, where
        # "Any sender" lists: the fans list filter, the workspace's CSV and the portal.
        any_sender = {f for f in fan_ids if any(_expected(logs[f], kind, i) for i, _ in scopes)}
        listed = queries.fan_list(workspace, queries.FanFilters(consent=kind))
        assert {fan.pk for fan in listed} == any_sender, kind
        # The answer kept on the fan (``Fan.consented``) and the segments that read it.
        kept = Fan.objects.filter(consents.consented(kind), pk__in=fan_ids)
        assert set(kept.values_list("pk", flat=True)) == any_sender, kind
        rules = segments.clean_rules({"consents": [kind]}, workspace)
        in_segment = Fan.objects.filter(segments.condition(rules, workspace), pk__in=fan_ids)
        assert set(in_segment.values_list("pk", flat=True)) == any_sender, kind
        if kind == ConsentKind.EMAIL:
            exported = {row[0] for row in queries.email_export_rows(workspace)}
            assert exported == {f.email for f in fans if f.pk in any_sender}
        for fan in fans:
            states = {
                (c.artist.name if c.artist else None): c
                for c in consent_log.consent_states(fan)
                if c.kind == kind
            }
            workspace_wide = consents.decision_is_active(states.get(None))
            assert workspace_wide == _expected(logs[fan.pk], kind, None), kind
            for index, artist in scopes[1:]:
                state = states.get(artist.name if artist else None)
                shown = consents.decision_is_active(state) if state else workspace_wide
                assert shown == _expected(logs[fan.pk], kind, index), (kind, artist)
                assert all(
                    _decides_its_scope(logs[fan.pk], r)
                    for r in logs[fan.pk]
                    if state is not None and r.pk == state.pk
                )
