"""The template language members write emails in: Django's, minus what reaches outside or
can blow up, and rendered within limits.

No ``{% load %}``, ``{% include %}`` / ``{% extends %}`` (no file access), ``{% debug %}``
(dumps internals), ``{% url %}``, ``{% csrf_token %}``, ``{% autoescape off %}`` or
``|safe`` (in HTML emails a fan's name stays escaped whatever the template says), nor
the filters that pad or format to a width the template chooses (``stringformat``,
``center``, ``ljust``, ``rjust``, ``floatformat``) or ``{% lorem %}``: a few bytes of
template could ask for megabytes. Contexts hold plain values only (see ``rendering``), so
no model or relation is reachable from a template.

Every render runs within a ``budget()``: at most ``MAX_OUTPUT_BYTES`` per part, at most
``MAX_WORK_CHARS`` of text produced along the way (by filters and template parts, loops
included), ``MAX_LOOP_ITERATIONS`` loop iterations and ``RENDER_SECONDS`` of wall-clock
time (checked at each of those steps). Going over raises ``RenderLimit``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Library, Template, defaultfilters, defaulttags
from django.template.base import Node
from django.template.defaulttags import ForNode

ALLOWED_TAGS = frozenset(
    {
        "comment",
        "cycle",
        "filter",
        "firstof",
        "for",
        "if",
        "ifchanged",
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
ALLOWED_FILTERS = frozenset(
    {
        "add",
        "addslashes",
        "capfirst",
        "cut",
        "date",
        "default",
        "default_if_none",
        "dictsort",
        "dictsortreversed",
        "divisibleby",
        "escape",
        "escapejs",
        "escapeseq",
        "filesizeformat",
        "first",
        "force_escape",
        "get_digit",
        "iriencode",
        "join",
        "last",
        "length",
        "linebreaks",
        "linebreaksbr",
        "linenumbers",
        "lower",
        "make_list",
        "phone2numeric",
        "pluralize",
        "random",
        "slice",
        "slugify",
        "striptags",
        "time",
        "timesince",
        "timeuntil",
        "title",
        "truncatechars",
        "truncatechars_html",
        "truncatewords",
        "truncatewords_html",
        "unordered_list",
        "upper",
        "urlencode",
        "urlize",
        "urlizetrunc",
        "wordcount",
        "wordwrap",
        "yesno",
    }
)
MAX_OUTPUT_BYTES = 256 * 1024
MAX_WORK_CHARS = 4 * MAX_OUTPUT_BYTES
MAX_LOOP_ITERATIONS = 10_000
RENDER_SECONDS = 2.0


class RenderLimit(Exception):
    """The template asks for more than an email may take; the message says which limit."""


@dataclass
class _Budget:
    deadline: float
    chars: int = 0
    charges: int = 0
    iterations: int = 0

    def _in_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit(
                f"Rendering took longer than {RENDER_SECONDS:g} seconds: simplify the loops."
            )

    def charge(self, chars: int) -> None:
        self.chars += chars
        self.charges += 1
        if self.chars > MAX_WORK_CHARS:
            raise RenderLimit(
                f"The template produces more than {MAX_WORK_CHARS // 1024} KB of text "
                "while rendering: make it shorter or loop less."
            )
        if not self.charges % 16:  # each step is small: the clock need not be read each time
            self._in_time()

    def tick(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise RenderLimit(
                f"Loops run more than {MAX_LOOP_ITERATIONS} times in all: loop over less."
            )
        if not self.iterations % 16:
            self._in_time()


_BUDGET: ContextVar[_Budget | None] = ContextVar("fanloop_render_budget", default=None)


@contextmanager
def budget() -> Iterator[None]:
    """The limits of one render (all parts of one message); nested calls share the outer."""
    if _BUDGET.get() is not None:
        yield
        return
    token = _BUDGET.set(_Budget(deadline=time.monotonic() + RENDER_SECONDS))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _current() -> _Budget:
    current = _BUDGET.get()
    if current is None:
        raise RuntimeError("sandboxed templates render inside sandbox.budget()")
    return current


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _limited(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, its result counted against the budget (and capped on its own)."""

    @functools.wraps(func)
    def limited(value: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "join" and isinstance(value, list | tuple) and args:
            # The one filter whose result can be its input times its argument.
            items = sum(len(str(item)) for item in value[:MAX_OUTPUT_BYTES])
            if len(value) * len(str(args[0])) + items > MAX_OUTPUT_BYTES:
                raise RenderLimit(f"|join would make more than {MAX_OUTPUT_BYTES // 1024} KB.")
        result = func(value, *args, **kwargs)
        size = _size(result)
        if size > MAX_OUTPUT_BYTES:
            raise RenderLimit(f"|{name} makes more than {MAX_OUTPUT_BYTES // 1024} KB.")
        _current().charge(size)
        return result

    return limited


register = Library()
register.tags = {k: v for k, v in defaulttags.register.tags.items() if k in ALLOWED_TAGS}
register.filters = {
    k: _limited(k, v) for k, v in defaultfilters.register.filters.items() if k in ALLOWED_FILTERS
}


class _Tick(Node):
    """First in every loop body: counts the iteration."""

    def render(self, context: Context) -> str:
        _current().tick()
        return ""


_CHARGED: dict[type[Node], type[Node]] = {}


def _charged(cls: type[Node]) -> type[Node]:
    """``cls``, its output counted against the budget."""
    charged = _CHARGED.get(cls)
    if charged is None:

        def render_annotated(self: Node, context: Context) -> str:
            output = str(cls.render_annotated(self, context))
            _current().charge(len(output))
            return output

        attrs = {"render_annotated": render_annotated}
        charged = _CHARGED[cls] = type(f"Charged{cls.__name__}", (cls,), attrs)
    return charged


def _leaf(node: Node) -> bool:
    return not any(getattr(node, name, None) for name in node.child_nodelists)


class SandboxEngine(Engine):
    """An engine whose only built-ins are this module's tags and filters, and whose
    templates count their loops and output against the render's budget."""

    default_builtins = ["fanloop.messaging.sandbox"]

    def from_string(self, template_code: str) -> Template:
        template = super().from_string(template_code)
        nodes = template.nodelist.get_nodes_by_type(Node)
        for node in nodes:
            if _leaf(node):  # what a part outputs is made by its leaves (and filters)
                node.__class__ = _charged(type(node))
        for node in nodes:
            if isinstance(node, ForNode):
                loop: list[Node] = node.nodelist_loop  # type: ignore[assignment]
                loop.insert(0, _Tick())
        return template


def check_output(output: str) -> str:
    """The rendered part, or RenderLimit when it is over ``MAX_OUTPUT_BYTES``."""
    if len(output) > MAX_OUTPUT_BYTES // 4 and len(output.encode()) > MAX_OUTPUT_BYTES:
        raise RenderLimit(
            f"The email would be larger than {MAX_OUTPUT_BYTES // 1024} KB: make it shorter."
        )
    return output


def _engine(autoescape: bool) -> SandboxEngine:
    return SandboxEngine(
        loaders=[("django.template.loaders.locmem.Loader", {})],
        libraries={},
        autoescape=autoescape,
        string_if_invalid="",
    )


HTML_ENGINE = _engine(autoescape=True)
TEXT_ENGINE = _engine(autoescape=False)
