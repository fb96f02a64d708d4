"""How each platform's buttons look on public pages: its colours and a small inline mark,
and the one line saying what a pre-save asks of the fan there.

The marks are simple drawings in each service's colours (a few hundred bytes each, inline
so the page makes no extra request), not the services' logo files.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from fanloop.platforms.base import Capability


@dataclass(frozen=True)
class Mark:
    background: str
    foreground: str
    svg: str  # markup of an <svg> drawn in currentColor and the background colour


def _svg(body: str) -> str:
    return (
        '<svg class="mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" '
        f'focusable="false">{body}</svg>'
    )


MARKS: dict[str, Mark] = {
    "spotify": Mark(
        "#1ed760",
        "#000000",
        _svg(
            '<circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M6.5 9.3c3.8-1.1 '
            "8.2-.7 11.2 1.1M7.2 12.6c3.1-.8 6.6-.5 9.2 1M7.9 15.8c2.4-.6 5-.4 7 .8"
            '" fill="none" stroke="#1ed760" stroke-width="1.7" stroke-linecap="round"/>'
        ),
    ),
    "applemusic": Mark(
        "#e0193a",
        "#ffffff",
        _svg(
            '<path d="M9.5 17.5V6.8l9-1.8v10.3" fill="none" stroke="currentColor" '
            'stroke-width="1.8" stroke-linejoin="round"/><ellipse cx="7.3" cy="17.6" rx="2.4" '
            'ry="2" fill="currentColor"/><ellipse cx="16.3" cy="15.5" rx="2.4" ry="2" '
            'fill="currentColor"/>'
        ),
    ),
    "deezer": Mark(
        "#a238ff",
        "#ffffff",
        _svg(
            '<path d="M2 15h4v4H2zM7 12h4v7H7zM12 9h4v10h-4zM17 5h4v14h-4z" fill="currentColor"/>'
        ),
    ),
}
MARKS["tidal"] = Mark(
    "#000000",
    "#ffffff",
    _svg(
        '<path d="M4 9l3-3 3 3-3 3zM10 9l3-3 3 3-3 3zM16 9l3-3 3 3-3 3zM10 15l3-3 3 3-3 3z" '
        'fill="currentColor"/>'
    ),
)
GENERIC = Mark("#f4f4f4", "#121212", "")


def mark(key: str) -> SafeString:
    """The inline mark of platform ``key`` ("" for a platform without one)."""
    return mark_safe(MARKS.get(key, GENERIC).svg)  # our own constant markup


def button_css() -> str:
    """One rule per platform: its buttons in its colours (``.p-<key>``)."""
    return "".join(
        f".p-{key}{{background:{m.background};color:{m.foreground}}}" for key, m in MARKS.items()
    )


# What each capability does for the fan, in the words of the line under a button.
_DOES = {
    Capability.SAVE: "Adds this release to your {label} library on release day",
    Capability.FOLLOW: "follows the artist",
    Capability.VERIFY: "checks your library later to confirm the save",
}


def ask_line(label: str, capabilities: frozenset[Capability]) -> str:
    """One sentence saying exactly what connecting asks for, from the capabilities the
    connect requests (each adapter turns them into its narrowest scopes)."""
    parts = [_DOES[c].format(label=label) for c in Capability if c in capabilities]
    if not parts:
        return ""
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{said[0].upper()}{said[1:]}. Nothing else."
