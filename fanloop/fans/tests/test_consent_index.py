"""The consent rule's lookups are served by one index (``consent_fan_kind_latest``): a
fan's rows of a kind, and whether a later row follows, read from the index alone on
PostgreSQL (the columns the rule tests are in it). A segment's consent condition makes
none: it reads the rule's answer kept on the fan's row (``Fan.consented``), so a count over
a million fans (bench/broadcast.py's) tests a column instead of two lookups per fan."""

from __future__ import annotations

from typing import Any

from django.db import connection

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist
from fanloop.fans import consent_log, consents
from fanloop.fans.models import Consent, ConsentKind, Fan
from fanloop.flows import segments

INDEX = "consent_fan_kind_latest"
OTHERS = 300


def _plan(rows: Any) -> str:
    """The plan of ``rows`` with fresh statistics, the lookups made per fan (as the planner
    does at a million fans) and sequential scans priced out: a few hundred test rows would
    otherwise be read whole or merged, which says nothing of which index fits a lookup."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            for plan in ("seqscan", "bitmapscan", "mergejoin", "hashjoin"):
                cursor.execute(f"SET LOCAL enable_{plan} = off")
    return str(rows.explain())


def _fans(workspace: Workspace) -> list[Fan]:
    """Three fans with decisions, among others with a decision of each kind each (a
    log of some size, as the planner sees one)."""
    artist = create_artist(workspace, name="North")
    fans = [Fan.objects.create(workspace=workspace, email=f"f{n}@fans.example") for n in range(3)]
    others = Fan.objects.bulk_create(
        Fan(workspace=workspace, email=f"o{n}@fans.example") for n in range(OTHERS)
    )
    version, wording = consents.render(ConsentKind.FOLLOW, workspace.name)
    Consent.objects.bulk_create(
        Consent(fan=fan, kind=kind, granted=True, wording_version=version, wording=wording)
        for fan in others
        for kind in ConsentKind
    )
    consent_log.record_consent(fans[0], "email", True, page="/p", confirmed=True)
    consent_log.record_consent(fans[1], "email", True, page="/p", confirmed=True, artist=artist)
    consent_log.record_consent(fans[1], "email", False, page="/me/", artist=artist)
    return fans


def test_a_segments_consent_condition_reads_the_fans_row_alone(workspace):
    fans = _fans(workspace)
    segment = segments.create_segment(workspace, name="Subscribed", rules={"consents": ["email"]})

    # One fan's membership (the flow condition), the lookups a count makes per fan.
    plan = _plan(segments.members(segment).filter(pk=fans[0].pk))

    # No lookup in the consent log: the rule's answer is a column of the fan.
    assert "fans_consent" not in plan and INDEX not in plan, plan
    assert segments.contains(segment, fans[0]) and not segments.contains(segment, fans[1])


def test_the_per_fan_check_reads_the_rule_from_the_index(workspace):
    fans = _fans(workspace)

    plan = _plan(consents.active("email", None).filter(fan=fans[0]))

    assert plan.count(INDEX) == 2, plan
    assert consents.is_active(fans[0], "email") and not consents.is_active(fans[1], "email")
