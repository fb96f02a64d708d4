"""Names no artist or workspace may take: the first path segments of fanloop's own routes.

Read from the URLconf, so a route added later is reserved without anyone remembering to,
plus a generous set of names fanloop may want later (``api``, ``static``, ``help``, ...).
"""

from __future__ import annotations

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import URLPattern, URLResolver, get_resolver, get_urlconf

# Not routes (yet), or served outside the URLconf (static files by WhiteNoise).
FUTURE = frozenset(
    {
        "_emulator", "about", "accounts", "admin", "api", "app", "artists", "assets",
        "auth", "blog", "callback", "connect", "dashboard", "docs", "emulator", "f", "fan",
        "fanloop", "fans", "favicon.ico", "healthz", "help", "login", "logout", "media",
        "metrics", "new", "oauth", "privacy", "releases", "robots.txt", "settings",
        "signup", "sitemap.xml", "static", "status", "support", "terms", "unsubscribe",
        "webhooks", "well-known", ".well-known", "www",
    }
)  # fmt: skip
_LITERAL = re.compile(r"[A-Za-z0-9._~-]+\Z")


def _first_segments(patterns: list[URLPattern | URLResolver], prefix: str) -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        text = prefix + str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver) and not text:
            # An include at the root (""): its own patterns start the path.
            found |= _first_segments(pattern.url_patterns, text)
            continue
        segment = text.split("/", 1)[0]
        if _LITERAL.match(segment):
            found.add(segment.lower())
    return found


@functools.lru_cache(maxsize=8)
def route_segments(urlconf: str | None = None) -> frozenset[str]:
    """The literal first path segments of every route of ``urlconf``."""
    return frozenset(_first_segments(get_resolver(urlconf).url_patterns, ""))


def reserved_slugs() -> frozenset[str]:
    return FUTURE | route_segments(get_urlconf())


def is_reserved(slug: str) -> bool:
    return slug.lower() in reserved_slugs()


@receiver(setting_changed)
def _forget(*, setting: str, **_: object) -> None:
    if setting == "ROOT_URLCONF":
        route_segments.cache_clear()
