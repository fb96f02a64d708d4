"""Segment counts: the list shows a stored count with its age and counts again only once
it is ``COUNT_MAX_AGE`` old; new rules and the sweep store a new one."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.fans.models import Fan
from fanloop.flows import segments
from fanloop.flows.models import Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(workspace: Workspace) -> Segment:
    Fan.objects.create(workspace=workspace, email="one@example.org", country="GB")
    return segments.create_segment(workspace, name="UK", rules={"countries": ["GB"]})


def _counts(sql: CaptureQueriesContext) -> int:
    return sum("COUNT(" in query["sql"].upper() for query in sql.captured_queries)


def test_it_counts_once_then_shows_the_stored_count_with_its_age(
    owner_client: Client, workspace: Workspace, segment: Segment
) -> None:
    page = reverse("flows:segment_list", kwargs={"ws": workspace.slug})
    with CaptureQueriesContext(connection) as first:
        body = owner_client.get(page).content.decode()
    assert "counted just now" in body
    segment.refresh_from_db()
    assert segment.counted == 1 and segment.counted_at is not None
    Fan.objects.create(workspace=workspace, email="two@example.org", country="GB")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        with CaptureQueriesContext(connection) as second:
            body = owner_client.get(page).content.decode()
    assert _counts(second) < _counts(first)  # the member count is not run again
    assert "<td>1 " in body and "counted 3\xa0minutes ago" in body


def test_it_counts_again_once_the_count_is_old(
    owner_client: Client, workspace: Workspace, segment: Segment
) -> None:
    segments.count(segment)
    Fan.objects.create(workspace=workspace, email="two@example.org", country="GB")
    later = timezone.now() + segments.COUNT_MAX_AGE + dt.timedelta(seconds=1)
    with time_machine.travel(later):
        body = owner_client.get(
            reverse("flows:segment_list", kwargs={"ws": workspace.slug})
        ).content.decode()
    assert "<td>2 " in body and "counted just now" in body
    segment.refresh_from_db()
    assert segment.counted == 2


def test_new_rules_drop_the_stored_count(workspace: Workspace, segment: Segment) -> None:
    segments.count(segment)
    Fan.objects.create(workspace=workspace, email="fr@example.org", country="FR")
    segments.update_segment(segment, rules={"countries": ["FR"]})
    segment.refresh_from_db()
    assert segment.counted is None and segment.counted_at is None
    assert segments.stored_count(segment)[0] == 1


def test_a_name_change_keeps_the_stored_count(workspace: Workspace, segment: Segment) -> None:
    segments.count(segment)
    segments.update_segment(segment, name="Britain")
    segment.refresh_from_db()
    assert segment.counted == 1


def test_the_sweep_stores_the_count(workspace: Workspace) -> None:
    Fan.objects.create(workspace=workspace, email="one@example.org", country="GB")
    tracked = segments.create_segment(
        workspace, name="Tracked", rules={"countries": ["GB"]}, track_entries=True
    )
    now = timezone.now()
    segments.sweep(tracked, now)
    tracked.refresh_from_db()
    assert (tracked.counted, tracked.counted_at) == (1, now)
    with CaptureQueriesContext(connection) as sql:
        assert segments.stored_count(tracked, now + dt.timedelta(minutes=1)) == (1, now)
    assert not sql.captured_queries
