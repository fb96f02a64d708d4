"""How each platform's buttons look on public pages: its colours and a small inline mark,
and the one line saying what a pre-save asks of the fan there.

The marks are declared by each adapter module (``INFO.mark``): simple drawings in each
service's colours (a few hundred bytes each, inline so the page makes no extra request), not
the services' logo files.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from fanloop.platforms.base import Capability
from fanloop.platforms.info import Mark
from fanloop.platforms.registry import INFOS

MARKS: dict[str, Mark] = {key: entry.mark for key, entry in INFOS.items()}
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
