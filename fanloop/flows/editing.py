"""Saving the flow editor: a new flow, or an edit of one.

An edit changes the flow's name, description and artist in place, and creates a new
version (``services.new_version``) whenever the definition (trigger, release, steps, goal)
changed, even when no journey uses the current one yet: a version is never rewritten, so
the history shows every change, and a draft that gets activated between a member opening
the editor and saving it cannot change under the journeys that started on it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.flows import services
from fanloop.flows.models import Flow
from fanloop.flows.steps import validate_steps


def save_flow(
    workspace: Workspace,
    flow: Flow | None,
    *,
    name: str,
    description: str,
    artist: Artist | None,
    trigger: str,
    trigger_release: Release | None,
    goal: str,
    steps: list[dict[str, Any]],
    user: Any = None,
) -> Flow:
    """Create ``flow`` (None) or save an edit; ValidationError ("Step n: ...") when the
    steps are invalid, and nothing is written then."""
    steps = validate_steps(steps, workspace=workspace)
    with transaction.atomic():
        if flow is None:
            flow = services.create_flow(
                workspace,
                name=name,
                trigger=trigger,
                steps=steps,
                goal=goal,
                artist=artist,
                trigger_release=trigger_release,
                user=user,
            )
            if description:
                flow.description = description
                flow.save(update_fields=["description", "updated"])
            return flow
        flow.name, flow.description, flow.artist = name, description, artist
        flow.save(update_fields=["name", "description", "artist", "updated"])
        current = flow.current_version
        definition = (trigger, trigger_release.pk if trigger_release else None, goal, steps)
        if current is None or definition != (
            current.trigger,
            current.trigger_release_id,
            current.goal,
            current.steps,
        ):
            services.new_version(
                flow,
                trigger=trigger,
                steps=steps,
                goal=goal,
                trigger_release=trigger_release,
                user=user,
            )
    return flow
