"""``reverse`` for the links of every email, cached per route.

A flow email carries a dozen signed links (unsubscribe, portal, save, follow, listen,
each click-tracked); Django's ``reverse`` costs about 0.1 ms a call, more than the
signing. ``reverse_cached`` reverses each route once with placeholder arguments and
fills the real ones in: the same string ``reverse`` returns, for arguments made of
characters ``reverse`` leaves as they are (anything else goes through ``reverse``).
"""

from __future__ import annotations

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# Characters reverse() neither quotes nor rejects in a str, slug or int segment ("/" is
# left out: it would cross segments).
_PLAIN = re.compile(r"[A-Za-z0-9_.:\-]+\Z")
_MARK = "0fanloopArg{}0"


@functools.lru_cache(maxsize=128)
def _template(name: str, keys: tuple[str, ...], urlconf: str | None, prefix: str) -> list[str]:
    """The route's path split around its arguments: [text, arg, text, arg, …, text]."""
    path = reverse(name, kwargs={key: _MARK.format(i) for i, key in enumerate(keys)})
    parts = re.split(r"0fanloopArg(\d+)0", path)
    if len(parts) != 2 * len(keys) + 1:  # pragma: no cover - an argument used twice
        raise ValueError(f"cannot cache the route {name}")
    return parts


def reverse_cached(name: str, **kwargs: str) -> str:
    """``reverse(name, kwargs=kwargs)``, from a per-route template when every value is
    plain (letters, digits, ``_.:-``)."""
    if not all(_PLAIN.match(value) for value in kwargs.values()):
        return reverse(name, kwargs=kwargs)
    keys = tuple(kwargs)
    parts = _template(name, keys, get_urlconf(), get_script_prefix())
    values = list(kwargs.values())
    return "".join(values[int(part)] if i % 2 else part for i, part in enumerate(parts))


@receiver(setting_changed)
def _forget(*, setting: str, **_: object) -> None:
    if setting == "ROOT_URLCONF":
        _template.cache_clear()
