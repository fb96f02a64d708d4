"""The template language members write emails in: Django's, minus what reaches outside.

No ``{% load %}``, ``{% include %}`` / ``{% extends %}`` (no file access), ``{% debug %}``
(dumps internals), ``{% url %}``, ``{% csrf_token %}`` or ``|safe`` (in HTML emails a
fan's name stays escaped whatever the template says). Contexts hold plain values only
(see ``rendering``), so no model or relation is reachable from a template.
"""

from __future__ import annotations

from django.template import Engine, Library, defaultfilters, defaulttags

ALLOWED_TAGS = frozenset(
    {
        "autoescape",
        "comment",
        "cycle",
        "filter",
        "firstof",
        "for",
        "if",
        "ifchanged",
        "lorem",
        "now",
        "regroup",
        "resetcycle",
        "spaceless",
        "templatetag",
        "verbatim",
        "widthratio",
        "with",
    }
)
BLOCKED_FILTERS = frozenset({"safe", "safeseq", "json_script", "pprint"})

register = Library()
register.tags = {k: v for k, v in defaulttags.register.tags.items() if k in ALLOWED_TAGS}
register.filters = {
    k: v for k, v in defaultfilters.register.filters.items() if k not in BLOCKED_FILTERS
}


class SandboxEngine(Engine):
    """An engine whose only built-ins are this module's tags and filters."""

    default_builtins = ["fanloop.messaging.sandbox"]


def _engine(autoescape: bool) -> SandboxEngine:
    return SandboxEngine(
        loaders=[("django.template.loaders.locmem.Loader", {})],
        libraries={},
        autoescape=autoescape,
        string_if_invalid="",
    )


HTML_ENGINE = _engine(autoescape=True)
TEXT_ENGINE = _engine(autoescape=False)
