"""Template filters for fans pages: platform names and granted scopes in plain words."""

from __future__ import annotations

from django import template

from fanloop.fans.consents import LABELS
from fanloop.fans.queries import PLATFORM_LABELS

register = template.Library()

# What each granted scope lets the artist do, as a fan would say it.
SCOPE_LABELS = {
    "user-library-modify": "add to your library",
    "user-library-read": "read your library",
    "user-follow-modify": "follow artists",
    "user-follow-read": "read whom you follow",
    "user-read-private": "read your profile",
    "user-read-email": "read your email address",
    "basic_access": "read your profile",
    "email": "read your email address",
    "offline_access": "act when you are away",
    "manage_library": "add to your library",
    "delete_library": "remove from your library",
}


@register.filter
def platform_label(key: str) -> str:
    return PLATFORM_LABELS.get(key, key)


@register.filter
def consent_label(kind: str) -> str:
    return LABELS.get(kind, kind)


@register.filter
def scope_words(scopes: frozenset[str] | set[str]) -> str:
    """ "add to your library, follow artists" for a set of scopes; "basic access" if none."""
    words: list[str] = []
    for scope in sorted(scopes):
        word = SCOPE_LABELS.get(scope, scope)
        if word not in words:
            words.append(word)
    return ", ".join(words) or "basic access"


@register.filter
def get_count(mapping: dict[object, object], key: object) -> object:
    """``mapping[key]`` in a template; 0 when absent (counts default to nothing seen)."""
    return mapping.get(key, 0)
