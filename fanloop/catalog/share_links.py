"""Turn share links pasted from Spotify, Apple Music and Deezer into platform ids.

Parsing is offline and strict: a wrong platform, a wrong kind (album link in an
artist field) or a short link that needs a network round trip gets a clear error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from fanloop.platforms.registry import link_example, parse_platform_ref

# A key of the platforms registry; the ones below are parsed here, others by their adapter.
PlatformKey = str
Kind = Literal["artist", "album"]

PLATFORM_LABELS: dict[str, str] = {
    "spotify": "Spotify",
    "applemusic": "Apple Music",
    "deezer": "Deezer",
}
# What a link of each platform looks like, for error messages.
EXAMPLES: dict[tuple[str, str], str] = {
    ("spotify", "artist"): "https://open.spotify.com/artist/…",
    ("spotify", "album"): "https://open.spotify.com/album/…",
    ("applemusic", "artist"): "https://music.apple.com/us/artist/…/123456789",
    ("applemusic", "album"): "https://music.apple.com/us/album/…/123456789",
    ("deezer", "artist"): "https://www.deezer.com/artist/123456",
    ("deezer", "album"): "https://www.deezer.com/album/123456",
}
# Words the platforms use in paths, as a person would say them in an error message.
KIND_WORDS: dict[str, str] = {
    "artist": "an artist",
    "album": "an album",
    "track": "a track",
    "song": "a song",
    "playlist": "a playlist",
    "show": "a podcast",
    "episode": "a podcast episode",
    "podcast": "a podcast",
    "user": "a user profile",
    "profile": "a user profile",
    "music-video": "a music video",
    "station": "a radio station",
    "curator": "a curator",
}

SPOTIFY_ID_RE = re.compile(r"^[0-9A-Za-z]{22}$")
DIGITS_RE = re.compile(r"^[0-9]{1,20}$")
APPLE_ID_RE = re.compile(r"^(?:id)?([0-9]{1,20})$")
STOREFRONT_RE = re.compile(r"^[a-z]{2}$")
SPOTIFY_LOCALE_RE = re.compile(r"^intl-[a-z]{2}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)
DEEZER_LANG_RE = re.compile(r"^[a-z]{2}(?:-[a-z]{2})?$", re.IGNORECASE)

HOSTS: dict[str, str] = {
    "open.spotify.com": "spotify",
    "play.spotify.com": "spotify",
    "music.apple.com": "applemusic",
    "geo.music.apple.com": "applemusic",
    "embed.music.apple.com": "applemusic",
    "itunes.apple.com": "applemusic",
    "deezer.com": "deezer",
    "www.deezer.com": "deezer",
}
# Short links redirect to the real page; resolving them needs the network.
SHORT_HOSTS: dict[str, tuple[str, str]] = {
    "spotify.link": ("spotify", "open.spotify.com"),
    "spotify.app.link": ("spotify", "open.spotify.com"),
    "deezer.page.link": ("deezer", "deezer.com"),
    "dzr.page.link": ("deezer", "deezer.com"),
    "link.deezer.com": ("deezer", "deezer.com"),
}


@dataclass(frozen=True)
class PlatformRef:
    """One artist or album on one platform, with a clean canonical link."""

    platform: str
    kind: str
    id: str
    url: str


def _error(message: str, code: str, **params: str) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _wrong_kind(platform: str, found: str, wanted: str) -> ValidationError:
    return _error(
        "This %(platform)s link is for %(found)s, but this field needs %(wanted)s link "
        "(%(example)s).",
        "link_wrong_kind",
        platform=PLATFORM_LABELS[platform],
        found=KIND_WORDS.get(found, f"a “{found[:30]}” page"),
        wanted=KIND_WORDS[wanted],
        example=EXAMPLES[(platform, wanted)],
    )


def _no_id(platform: str, kind: str) -> ValidationError:
    return _error(
        "This %(platform)s link has no valid %(kind)s id; copy the link again with "
        "“Share → Copy link” (it looks like %(example)s).",
        "link_no_id",
        platform=PLATFORM_LABELS[platform],
        kind=kind,
        example=EXAMPLES[(platform, kind)],
    )


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _spotify(segments: list[str], kind: str) -> PlatformRef:
    if segments and segments[0].lower() == "embed":
        segments = segments[1:]
    if segments and SPOTIFY_LOCALE_RE.match(segments[0]):
        segments = segments[1:]
    if not segments:
        raise _no_id("spotify", kind)
    found = segments[0].lower()
    if found != kind:
        raise _wrong_kind("spotify", found, kind)
    if len(segments) < 2 or not SPOTIFY_ID_RE.match(segments[1]):
        raise _no_id("spotify", kind)
    spotify_id = segments[1]
    return PlatformRef("spotify", kind, spotify_id, f"https://open.spotify.com/{kind}/{spotify_id}")


def _spotify_uri(text: str, kind: str) -> PlatformRef:
    parts = text.split(":")
    if len(parts) != 3:
        raise _no_id("spotify", kind)
    found = parts[1].lower()
    if found != kind:
        raise _wrong_kind("spotify", found, kind)
    return _spotify([found, parts[2]], kind)


def _apple(segments: list[str], kind: str) -> PlatformRef:
    storefront = "us"
    if segments and STOREFRONT_RE.match(segments[0]):
        storefront = segments.pop(0)
    if not segments:
        raise _no_id("applemusic", kind)
    found = segments[0].lower()
    if found != kind:
        raise _wrong_kind("applemusic", found, kind)
    # /album/<name>/<id> or /album/<id>; old iTunes links write the id as id123.
    match = APPLE_ID_RE.match(segments[-1]) if len(segments) >= 2 else None
    if match is None:
        raise _no_id("applemusic", kind)
    apple_id = match.group(1)
    name = segments[1] if len(segments) == 3 else ""
    path = f"{storefront}/{kind}/{name}/{apple_id}" if name else f"{storefront}/{kind}/{apple_id}"
    # The ?i= parameter selects a track inside an album page: the album is what we want.
    return PlatformRef("applemusic", kind, apple_id, f"https://music.apple.com/{path}")


def _deezer(segments: list[str], kind: str) -> PlatformRef:
    if segments and DEEZER_LANG_RE.match(segments[0]) and segments[0].lower() not in KIND_WORDS:
        segments = segments[1:]
    if not segments:
        raise _no_id("deezer", kind)
    found = segments[0].lower()
    if found != kind:
        raise _wrong_kind("deezer", found, kind)
    if len(segments) < 2 or not DIGITS_RE.match(segments[1]):
        raise _no_id("deezer", kind)
    return PlatformRef("deezer", kind, segments[1], f"https://www.deezer.com/{kind}/{segments[1]}")


def _host_and_path(text: str) -> tuple[str, str]:
    if "://" not in text:
        text = "https://" + text  # people paste "open.spotify.com/…" without a scheme
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _error("This is not a valid link.", "link_invalid") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise _error("This is not a valid link.", "link_invalid")
    return host, parts.path


def _platform_for_host(host: str) -> str:
    if host in SHORT_HOSTS:
        short_platform, full_host = SHORT_HOSTS[host]
        raise _error(
            "Short %(platform)s links cannot be read without opening them: open it in a "
            "browser and paste the full %(host)s link instead.",
            "link_short",
            platform=PLATFORM_LABELS[short_platform],
            host=full_host,
        )
    if host not in HOSTS:
        raise _error(
            "This is not a Spotify, Apple Music or Deezer link (got %(host)s).",
            "link_unknown_host",
            host=host[:80],
        )
    return HOSTS[host]


def _check_platform(found: str, wanted: str | None, kind: str) -> None:
    if wanted is not None and found != wanted:
        raise _error(
            "This link is from %(found)s; this field needs a link from %(wanted)s (%(example)s).",
            "link_wrong_platform",
            found=PLATFORM_LABELS[found],
            wanted=PLATFORM_LABELS[wanted],
            example=EXAMPLES[(wanted, kind)],
        )


def parse_link(text: str, kind: Kind, platform: PlatformKey | None = None) -> PlatformRef:
    """Parse one pasted share link (or Spotify URI) into a :class:`PlatformRef`.

    ``platform`` restricts the link to one platform (a per-platform form field).
    Raises ``ValidationError`` with a message meant for the person who pasted it.
    """
    text = (text or "").strip()
    if not text:
        raise _error("Paste a link.", "link_empty")
    if platform is not None and platform not in PLATFORM_LABELS:
        return _adapter_ref(text, kind, platform, bare=False)
    if text.lower().startswith("spotify:"):
        _check_platform("spotify", platform, kind)
        return _spotify_uri(text, kind)
    host, path = _host_and_path(text)
    found = _platform_for_host(host)
    _check_platform(found, platform, kind)
    parser = {"spotify": _spotify, "applemusic": _apple, "deezer": _deezer}[found]
    return parser(_segments(path), kind)


def parse_id_or_link(text: str, kind: Kind, platform: PlatformKey) -> PlatformRef:
    """Like :func:`parse_link`, but a bare platform id is accepted too."""
    text = (text or "").strip()
    if platform not in PLATFORM_LABELS:
        return _adapter_ref(text, kind, platform, bare=True)
    bare = SPOTIFY_ID_RE if platform == "spotify" else DIGITS_RE
    if bare.match(text):
        return PlatformRef(platform, kind, text, canonical_url(platform, kind, text))
    return parse_link(text, kind, platform)


def _adapter_ref(text: str, kind: Kind, platform: str, *, bare: bool) -> PlatformRef:
    try:
        platform_id, url = parse_platform_ref(platform, text, kind, bare=bare)
    except ValueError as error:
        raise _error(str(error), "link_invalid") from None
    return PlatformRef(platform, kind, platform_id, url)


def example(platform: str, kind: str) -> str:
    """What a link to an ``kind`` on ``platform`` looks like, for placeholders."""
    return EXAMPLES.get((platform, kind)) or link_example(platform, kind)


def canonical_url(platform: str, kind: str, platform_id: str) -> str:
    """A link that opens ``platform_id`` without knowing its name or storefront."""
    if platform not in PLATFORM_LABELS:
        try:
            return parse_platform_ref(platform, platform_id, kind, bare=True)[1]
        except ValueError:
            return ""
    if platform == "spotify":
        return f"https://open.spotify.com/{kind}/{platform_id}"
    if platform == "applemusic":
        return f"https://music.apple.com/us/{kind}/{platform_id}"
    return f"https://www.deezer.com/{kind}/{platform_id}"
