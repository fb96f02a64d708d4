"""The consent wording registry: the exact sentence a fan sees for each kind of consent.

Every recorded consent stores the rendered text and the version below; change a sentence
by adding a new version, never by editing one in place (old rows must stay explainable).
"""

from __future__ import annotations

from dataclasses import dataclass

from fanloop.fans.models import ConsentKind


@dataclass(frozen=True)
class Wording:
    version: str
    text: str  # "{artist}" is replaced by the artist's (or workspace's) name

    def render(self, artist_name: str) -> str:
        # str.replace, not str.format: a name with braces must not break or inject.
        return self.text.replace("{artist}", artist_name)


WORDINGS: dict[str, Wording] = {
    ConsentKind.EMAIL: Wording(
        "email-1",
        "Send me emails from {artist} about new releases and news. I can unsubscribe at any time.",
    ),
    ConsentKind.FOLLOW: Wording(
        "follow-1",
        "Follow {artist} on my streaming account.",
    ),
    ConsentKind.FOREVER_SAVE: Wording(
        "forever-save-1",
        "Save {artist}'s future releases to my library when they come out. "
        "I can stop this at any time.",
    ),
    ConsentKind.VERIFY: Wording(
        "verify-2",
        "Let {artist} see whether I keep this release and which of its tracks I save, "
        "checked 3 times in the month after release: read access only.",
    ),
}

# Short labels for lists and buttons; the full wording is shown wherever a fan decides.
LABELS: dict[str, str] = {kind.value: kind.label for kind in ConsentKind}


def wording_for(kind: str) -> Wording:
    """The current wording of ``kind``; KeyError names the unknown kind."""
    try:
        return WORDINGS[kind]
    except KeyError:
        raise KeyError(f"unknown consent kind: {kind!r}") from None


def render(kind: str, artist_name: str) -> tuple[str, str]:
    """(version, text) exactly as shown to the fan; pages render through this too."""
    wording = wording_for(kind)
    return wording.version, wording.render(artist_name)
