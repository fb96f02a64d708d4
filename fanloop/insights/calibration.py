"""Recalibrate the engagement score's points from the workspace's own leverage table.

Each scored act that has a row in the leverage table gets ``POINTS_PER_LIFT`` points per
unit of lift (a fan whose act makes them twice as likely as the average fan to come back
gets 8 points), rounded and kept between ``MIN_POINTS`` and ``MAX_POINTS``; an act with
fewer than ``leverage.MIN_COHORT`` fans keeps its points. The page shows the change as a
diff; applying it stores the points for the workspace (``ScoreCalibration``), which flows
reads through ``scoring.weights_for`` (registered in ``apps.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEventKind
from fanloop.flows.scoring import weights_for
from fanloop.insights import leverage
from fanloop.insights.models import ScoreCalibration

# Points per unit of lift: a lift of 1.0 (no better than the average fan) is worth 4.
POINTS_PER_LIFT = 4
MIN_POINTS = 1
MAX_POINTS = 20
# The leverage table's action behind each scored act of the fan.
KIND_OF_ACTION = {
    "presaved_only": FanEventKind.PRESAVED,
    "tracks": FanEventKind.TRACK_SAVED,
    "one_click": FanEventKind.SAVED,
    "followed": FanEventKind.FOLLOWED,
    "email_click": FanEventKind.EMAIL_CLICKED,
}


@dataclass(frozen=True)
class Change:
    kind: str
    label: str
    current: int
    proposed: int
    lift: float | None
    fans: int

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


def proposal(workspace: Workspace) -> list[Change]:
    """The points each scored act would get from the workspace's leverage table."""
    table = leverage.workspace_table(workspace)
    weights = weights_for(workspace.pk)
    changes = []
    for row in table.rows:
        kind = KIND_OF_ACTION.get(row.key)
        if kind is None:
            continue
        current = weights[kind].points
        lift = row.lift
        proposed = current
        if lift is not None and row.long_term.n >= leverage.MIN_COHORT:
            proposed = min(MAX_POINTS, max(MIN_POINTS, round(POINTS_PER_LIFT * lift)))
        changes.append(Change(str(kind), row.label, current, proposed, lift, row.long_term.n))
    return changes


class StaleProposal(ValueError):
    """The proposal changed since it was shown (new events were folded meanwhile)."""


@transaction.atomic
def apply(workspace: Workspace, shown: Mapping[str, int]) -> ScoreCalibration:
    """Store the proposed points, if they are still the ones ``shown`` to the member."""
    changes = proposal(workspace)
    proposed = {change.kind: change.proposed for change in changes}
    if dict(shown) != proposed:
        raise StaleProposal("The numbers changed since this page was opened.")
    calibration, _ = ScoreCalibration.objects.update_or_create(
        workspace=workspace, defaults={"points": proposed, "applied_at": timezone.now()}
    )
    return calibration


def points_of(workspace_id: int) -> Mapping[str, int] | None:
    """The workspace's recalibrated points, or None (flows then uses the defaults)."""
    row = ScoreCalibration.objects.filter(workspace_id=workspace_id).only("points").first()
    return row.points if row is not None else None
