"""Read-only numbers for the flow editor: per-step counts and open journeys per flow.

Per step: ``entered``, ``passed``, ``left`` (and ``failed`` / ``skipped``) come from the
step log (``JourneyStep``, one aggregate query on its counts index); ``waiting`` is the
number of journeys waiting at that step now (``Journey``, one query).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count

from fanloop.flows.models import (
    OPEN_JOURNEY_STATES,
    FlowVersion,
    Journey,
    JourneyState,
    JourneyStep,
    StepOutcome,
)

COUNTED = (
    StepOutcome.ENTERED,
    StepOutcome.PASSED,
    StepOutcome.LEFT,
    StepOutcome.FAILED,
    StepOutcome.SKIPPED,
)


def step_counts(version: FlowVersion) -> dict[str, dict[str, int]]:
    """{step id: {"entered": n, "waiting": n, "passed": n, "left": n, ...}} of one version."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        JourneyStep.objects.filter(version=version, outcome__in=COUNTED)
        .values("step_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["step_id"]][row["outcome"]] = row["n"]
    ids = [str(step.get("id", "")) for step in version.steps]
    waiting = (
        Journey.objects.filter(version=version, state=JourneyState.WAITING)
        .values("step_index")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in waiting:
        if row["step_index"] < len(ids):
            counts[ids[row["step_index"]]][StepOutcome.WAITING] = row["n"]
    return dict(counts)


def open_journeys(flow_ids: Iterable[int]) -> dict[int, int]:
    """{flow id: journeys running or waiting} for the flows listed (one query)."""
    rows = (
        Journey.objects.filter(flow_id__in=list(flow_ids), state__in=OPEN_JOURNEY_STATES)
        .values("flow_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["flow_id"]: row["n"] for row in rows}


def journey_states(version: FlowVersion) -> dict[str, int]:
    """{journey state: count} of one version (how its journeys ended, or stand)."""
    rows = (
        Journey.objects.filter(version=version).values("state").annotate(n=Count("id")).order_by()
    )
    return {row["state"]: row["n"] for row in rows}
