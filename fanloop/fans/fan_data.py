"""What higher apps keep about a fan, and how each part follows the fan's rights.

Fans sit below fulfillment, messaging and flows, yet merging two fans, exporting a fan's
data and deleting a fan must reach those apps' rows. Each of them registers its part here
in its ``AppConfig.ready`` (``register``); ``merge_fans``, ``export_fan`` and ``delete_fan``
call every registered part, in the order of ``INSTALLED_APPS``, inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fanloop.fans.models import Fan


@dataclass(frozen=True)
class FanData:
    """One app's part. ``merge(into, other)`` moves ``other``'s rows to ``into`` before
    ``other`` is deleted; ``export(fan)`` returns the keys it adds to the fan's export;
    ``delete(fan)`` runs once the fan's rows are gone (rows with a foreign key to the fan
    go with it: only what outlives the fan needs a ``delete``)."""

    name: str
    merge: Callable[[Fan, Fan], None] | None = None
    export: Callable[[Fan], dict[str, Any]] | None = None
    delete: Callable[[Fan], None] | None = None


_PARTS: dict[str, FanData] = {}


def register(part: FanData) -> None:
    """Add (or replace, when ``ready`` runs twice) an app's part."""
    _PARTS[part.name] = part


def parts() -> list[FanData]:
    """The registered parts, in registration order."""
    return list(_PARTS.values())
