"""``{% panels "slot" obj %}``: the panels higher apps registered for a page (lib/panels.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from fanloop.lib import panels as registry

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, slot: str, obj: Any) -> SafeString:
    return registry.render(slot, context, obj)
