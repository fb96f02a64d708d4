"""Signed one-click action links sent in flow emails: "save to my library", "follow".

The token names the fan, the release (or artist) and the action; it is signed with its own
salt so it can never be replayed as a portal or confirmation link. The views that serve it
live in ``fanloop.flows.actions``; the route name is ``flows:action``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings

from fanloop.fans.links import InvalidLink, _sign, _unsign
from fanloop.lib.urls import reverse_cached

ACTION_SALT = "fanloop.flows.action"
ACTION_LINK_DAYS = 60
Action = Literal["save", "follow"]
ACTIONS: tuple[Action, ...] = ("save", "follow")


def action_token(fan_id: int, release_id: int, action: Action) -> str:
    return _sign({"f": fan_id, "r": release_id, "a": action}, ACTION_SALT)


def read_action_token(token: str) -> tuple[int, int, Action]:
    """(fan id, release id, action) of a valid token, else InvalidLink."""
    payload = _unsign(token, ACTION_SALT, dt.timedelta(days=ACTION_LINK_DAYS))
    fan_id, release_id, action = payload.get("f"), payload.get("r"), payload.get("a")
    if not isinstance(fan_id, int) or not isinstance(release_id, int) or action not in ACTIONS:
        raise InvalidLink("This link is not valid.")
    return fan_id, release_id, action


def action_url(fan_id: int, release_id: int, action: Action) -> str:
    return settings.SITE_URL + reverse_cached(
        "flows:action", token=action_token(fan_id, release_id, action)
    )
