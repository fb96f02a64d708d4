"""Panels that higher apps add to a lower app's page, so the page never imports them.

A page names a slot (``"catalog.release"``, ``"fans.fan"``) and renders it with
``{% load panels %}{% panels "catalog.release" release %}``; each higher app registers its
panels for a slot in its ``AppConfig.ready``. The ``order`` numbers place the panels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template import Context
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

# A panel: (the page's template context, the page's object) -> HTML rendered by an
# autoescaping template.
Render = Callable[[Context, Any], str]


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str
    order: int
    render: Render


_SLOTS: dict[str, dict[str, Panel]] = {}


def register(slot: str, name: str, render: Render, *, order: int) -> None:
    """Add (or replace, when ``ready`` runs twice) the panel ``name`` of ``slot``."""
    _SLOTS.setdefault(slot, {})[name] = Panel(slot, name, order, render)


def panels(slot: str) -> list[Panel]:
    """The panels of ``slot`` in page order."""
    return sorted(_SLOTS.get(slot, {}).values(), key=lambda panel: (panel.order, panel.name))


def render(slot: str, context: Context, obj: Any) -> SafeString:
    """Every panel of ``slot`` for ``obj``, one after another."""
    return format_html_join(
        "\n", "{}", ((SafeString(panel.render(context, obj)),) for panel in panels(slot))
    )
