"""Panels a higher app adds to a lower app's dashboard page (the release page shows the
delivery, audience and library-check panels; the fan page the deliveries and engagement).

Each higher app registers its panels when it loads (``AppConfig.ready``); the page's view
renders them in ``position`` order and hands the HTML to its template. The lower app's code
imports no higher app, and its template loads no higher app's tag library.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from django.utils.safestring import SafeString

T = TypeVar("T")
# (the page's context: request, workspace, membership; the page's object) -> its HTML
Panel = Callable[[Mapping[str, Any], T], SafeString]


class Panels(Generic[T]):
    def __init__(self) -> None:
        self._panels: dict[str, tuple[int, Panel[T]]] = {}

    def register(self, name: str, position: int, panel: Panel[T]) -> None:
        """Add ``panel`` under ``name`` (registering a name again replaces it)."""
        self._panels[name] = (position, panel)

    def render(self, context: Mapping[str, Any], subject: T) -> list[SafeString]:
        """Every panel's HTML for ``subject``, in ``position`` order."""
        ordered = sorted(self._panels.items(), key=lambda item: (item[1][0], item[0]))
        return [panel(context, subject) for _, (_, panel) in ordered]
