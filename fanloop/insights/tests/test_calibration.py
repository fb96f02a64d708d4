"""Recalibrating the engagement score from the leverage table: the diff is shown, editors
apply exactly that diff, flows then scores with the new points; a stale diff is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fanloop.accounts.models import Workspace
from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans.models import Fan, PreSave
from fanloop.fans.presaves import record_presave
from fanloop.flows.scoring import engagement_score, weights_for
from fanloop.insights import calibration, rollup
from fanloop.insights.models import ScoreCalibration


def seed_leverage(workspace: Workspace) -> Fan:
    """40 fans only pre-save release A (4 come back for B), 20 pre-save and follow (12 come
    back): following has a lift of 2.25, so its points become 9 (from 10). A follower."""
    artist = create_artist(workspace, name="Calibrated")
    first = create_release(artist, {"title": "A", "release_date": dt.date(2026, 3, 6)}, [])
    soon = dt.date.today() + dt.timedelta(days=10)
    second = create_release(artist, {"title": "B", "release_date": soon}, [])
    follower = None
    for n in range(60):
        fan = Fan.objects.create(workspace=workspace, email=f"c{n}@example.org")
        record_presave(fan, first, PreSave.EMAIL_ONLY)
        follows = n >= 40
        if follows:
            follower = fan
            record_fan_event(fan, FanEventKind.FOLLOWED, key=f"fol{n}", actor=Actor.FAN,
                             release=first)  # fmt: skip
        if (not follows and n < 4) or (follows and n < 52):
            record_presave(fan, second, PreSave.EMAIL_ONLY)
    rollup.catch_up(settle_seconds=0)
    assert follower is not None
    return follower


def _shown(changes: list[calibration.Change]) -> dict[str, Any]:
    return {f"points_{c.kind}": c.proposed for c in changes}


def test_editors_apply_the_diff_that_was_shown(editor_client: Client, workspace: Workspace):
    follower = seed_leverage(workspace)
    url = f"/w/{workspace.slug}/insights/score-weights/"
    page = editor_client.get(url).content.decode()
    assert '<tr data-kind="followed">' in page and "<ins>9</ins>" in page
    before = engagement_score(follower)
    assert before == 2 + 10  # pre-save 2, follow 10
    changes = calibration.proposal(workspace)
    assert {c.kind: (c.current, c.proposed) for c in changes}["followed"] == (10, 9)
    answer = editor_client.post(url, _shown(changes))
    assert answer.status_code == 302
    stored = ScoreCalibration.objects.get(workspace=workspace)
    assert stored.points["followed"] == 9
    assert weights_for(workspace.pk)["followed"].points == 9
    assert engagement_score(follower) == 2 + 9
    score_page = editor_client.get(f"/w/{workspace.slug}/flows/score/").content.decode()
    assert "<td>followed the artist</td><td>9</td>" in score_page


def test_a_stale_diff_is_refused(editor_client: Client, workspace: Workspace):
    seed_leverage(workspace)
    url = f"/w/{workspace.slug}/insights/score-weights/"
    shown = _shown(calibration.proposal(workspace))
    shown["points_followed"] = 15
    answer = editor_client.post(url, shown)
    assert answer.status_code == 409
    assert "The numbers changed since you opened this page" in answer.content.decode()
    assert not ScoreCalibration.objects.exists()


def test_viewers_see_the_diff_but_cannot_apply_it(viewer_client: Client, workspace: Workspace):
    seed_leverage(workspace)
    url = f"/w/{workspace.slug}/insights/score-weights/"
    page = viewer_client.get(url).content.decode()
    assert "Editors and owners can apply the change." in page
    shown = _shown(calibration.proposal(workspace))
    assert viewer_client.post(url, shown).status_code == 403
    assert not ScoreCalibration.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404(outsider_client: Client, workspace: Workspace, method: str):
    url = f"/w/{workspace.slug}/insights/score-weights/"
    assert getattr(outsider_client, method)(url).status_code == 404
    assert not ScoreCalibration.objects.exists()
