"""A workspace's sending rules for flow emails: the frequency cap and quiet hours.

Set per workspace in the dashboard (``SendingRules``); a workspace that never set its own
follows the defaults below (the values every workspace followed before it could choose;
tests, benchmarks and the demo override them through ``FANLOOP_TUNING``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.messaging.models import SendingRules
from fanloop.messaging.quiet_hours import parse_quiet_hours

# A workspace without rules of its own: at most DEFAULT_CAP flow emails per fan in
# DEFAULT_WINDOW_HOURS (0: no cap), none during DEFAULT_QUIET_HOURS in the fan's time zone
# ("21:00-09:00"; blank: none). Chosen as common practice for fan email (a few a week, not
# at night), not measured; the workspace sets its own under Email → Sending rules.
DEFAULT_CAP = 3
DEFAULT_WINDOW_HOURS = 72
DEFAULT_QUIET_HOURS = "21:00-09:00"
MAX_CAP = 50  # emails per window
MAX_WINDOW_HOURS = 24 * 30


@dataclass(frozen=True)
class Rules:
    """``cap`` flow emails per fan per ``window`` (0: no cap); none between the two times
    of ``quiet_hours`` in the fan's time zone (None: no quiet hours)."""

    cap: int
    window: dt.timedelta
    quiet_hours: tuple[dt.time, dt.time] | None
    own: bool  # set by the workspace (else the install's defaults)


def install_defaults() -> Rules:
    return Rules(
        cap=max(DEFAULT_CAP, 0),
        window=dt.timedelta(hours=DEFAULT_WINDOW_HOURS),
        quiet_hours=parse_quiet_hours(DEFAULT_QUIET_HOURS),
        own=False,
    )


def _rules(row: SendingRules) -> Rules:
    start, end = row.quiet_start, row.quiet_end
    quiet = (start, end) if start is not None and end is not None and start != end else None
    return Rules(row.frequency_cap, dt.timedelta(hours=row.frequency_window_hours), quiet, True)


def rules_for(workspace_ids: Iterable[int]) -> dict[int, Rules]:
    """The rules of each workspace, in one query."""
    ids = set(workspace_ids)
    found = {row.workspace_id: _rules(row) for row in SendingRules.objects.filter(pk__in=ids)}
    if len(found) < len(ids):
        defaults = install_defaults()
        found.update((pk, defaults) for pk in ids - set(found))
    return found


def rules_of(workspace: Workspace) -> Rules:
    return rules_for([workspace.pk])[workspace.pk]


def save_rules(
    workspace: Workspace,
    *,
    frequency_cap: int,
    frequency_window_hours: int,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
) -> SendingRules:
    """Set the workspace's own rules; ValidationError (by field) for values out of range."""
    errors: dict[str, str] = {}
    if not 0 <= frequency_cap <= MAX_CAP:
        errors["frequency_cap"] = f"Between 0 (no cap) and {MAX_CAP} emails."
    if not 1 <= frequency_window_hours <= MAX_WINDOW_HOURS:
        errors["frequency_window_hours"] = f"Between 1 and {MAX_WINDOW_HOURS} hours (30 days)."
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = (
            "Give both the start and the end of quiet hours, or neither (no quiet hours)."
        )
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = "Quiet hours cannot start and end at the same time."
    if errors:
        raise ValidationError(errors)
    row, _ = SendingRules.objects.update_or_create(
        workspace=workspace,
        defaults={
            "frequency_cap": frequency_cap,
            "frequency_window_hours": frequency_window_hours,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
        },
    )
    return row
