"""The consent rule's lookups are served by one index (``consent_fan_kind_latest``): a
fan's rows of a kind, and whether a later row follows, read from the index alone on
PostgreSQL (the columns the rule tests are in it). A segment's consent condition is one
such pair of lookups per fan (bench/broadcast.py's segment count)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist
from fanloop.fans import consent_log, consents
from fanloop.fans.models import Fan
from fanloop.flows import segments

INDEX = "consent_fan_kind_latest"


def _plan(rows: Any) -> str:
    """The plan of ``rows`` with sequential scans priced out: a handful of test rows would
    otherwise be read whole, which says nothing of which index fits the lookup."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    return str(rows.explain())


def _fans(workspace: Workspace) -> list[Fan]:
    artist = create_artist(workspace, name="North")
    fans = [Fan.objects.create(workspace=workspace, email=f"f{n}@fans.example") for n in range(3)]
    consent_log.record_consent(fans[0], "email", True, page="/p", confirmed=True)
    consent_log.record_consent(fans[1], "email", True, page="/p", confirmed=True, artist=artist)
    consent_log.record_consent(fans[1], "email", False, page="/me/", artist=artist)
    return fans


def test_a_segments_consent_condition_reads_the_rule_from_the_index(workspace):
    _fans(workspace)
    segment = segments.create_segment(workspace, name="Subscribed", rules={"consents": ["email"]})

    plan = _plan(segments.members(segment))

    if connection.vendor == "postgresql":
        # The deciding row and the "no later row" check: two index-only scans.
        assert plan.count(f"Index Only Scan using {INDEX}") == 2, plan
    else:
        assert plan.count(INDEX) == 2, plan
    assert segments.members(segment).count() == 1


def test_the_per_fan_check_reads_the_rule_from_the_index(workspace):
    fans = _fans(workspace)

    plan = _plan(consents.active("email", None).filter(fan=fans[0]))

    assert plan.count(INDEX) == 2, plan
    assert consents.is_active(fans[0], "email") and not consents.is_active(fans[1], "email")
