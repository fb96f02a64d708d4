"""Signed one-click action links sent in flow emails: "save to my library", "follow",
"save this track" (one link per track of the release).

The token names the fan, the release (or artist), the action and, for a track, its
position on the release; it is signed with its own
salt so it can never be replayed as a portal or confirmation link. The views that serve it
live in ``fanloop.campaigns.action_pages``; the route name is ``campaigns:action``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings

from fanloop.lib.signing import InvalidLink, sign, unsign
from fanloop.lib.urls import reverse_cached

ACTION_SALT = "fanloop.flows.action"
ACTION_LINK_DAYS = 60
Action = Literal["save", "follow", "save_track"]
ACTIONS: tuple[Action, ...] = ("save", "follow", "save_track")


def action_token(fan_id: int, release_id: int, action: Action, track: int | None = None) -> str:
    payload: dict[str, object] = {"f": fan_id, "r": release_id, "a": action}
    if action == "save_track":
        payload["t"] = track
    return sign(payload, ACTION_SALT)


def read_action_token(token: str) -> tuple[int, int, Action, int | None]:
    """(fan id, release id, action, track position) of a valid token, else InvalidLink."""
    payload, _ = unsign(token, ACTION_SALT, max_age=dt.timedelta(days=ACTION_LINK_DAYS))
    fan_id, release_id, action = payload.get("f"), payload.get("r"), payload.get("a")
    track = payload.get("t")
    if not isinstance(fan_id, int) or not isinstance(release_id, int) or action not in ACTIONS:
        raise InvalidLink("This link is not valid.")
    if (action == "save_track") != (isinstance(track, int) and track > 0):
        raise InvalidLink("This link is not valid.")
    return fan_id, release_id, action, track


def action_url(fan_id: int, release_id: int, action: Action, track: int | None = None) -> str:
    token = (
        action_token(fan_id, release_id, action)
        if track is None
        else action_token(fan_id, release_id, action, track)
    )
    return settings.SITE_URL + reverse_cached("campaigns:action", token=token)
