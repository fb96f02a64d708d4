"""Small per-release analytics panel for the dashboard (placeholder until the event log lands)."""

from __future__ import annotations

from typing import Any

from fanloop.catalog.models import Release


def release_summary(release: Release) -> dict[str, Any]:
    return {"views": 0, "visitors": 0, "clicks": {}}
