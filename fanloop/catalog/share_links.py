"""Turn share links pasted from the platforms' share menus into platform ids (each adapter
declares its hosts and path shapes in ``INFO.share_links``).

Parsing is offline and strict: a wrong platform, a wrong kind (album link in an
artist field) or a short link that needs a network round trip gets a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from fanloop.platforms.info import LinkNoId, LinkWrongKind, ShareLinks
from fanloop.platforms.registry import INFOS, link_example, parse_platform_ref

# A key of the platforms registry: those whose INFO has ``share_links`` are parsed here,
# the others by their adapter (``registry.parse_platform_ref``).
PlatformKey = str
Kind = Literal["artist", "album"]

# The platforms whose share links are read, and how (each adapter's ``INFO.share_links``).
SHARED: dict[str, ShareLinks] = {
    key: entry.share_links for key, entry in INFOS.items() if entry.share_links
}
PLATFORM_LABELS: dict[str, str] = {key: INFOS[key].label for key in SHARED}
# What a link of each platform looks like, for error messages.
EXAMPLES: dict[tuple[str, str], str] = {
    (key, kind): example
    for key, links in SHARED.items()
    for kind, example in links.examples.items()
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

HOSTS: dict[str, str] = {host: key for key, links in SHARED.items() for host in links.hosts}
# Short links redirect to the real page; resolving them needs the network.
SHORT_HOSTS: dict[str, tuple[str, str]] = {
    short: (key, full) for key, links in SHARED.items() for short, full in links.short_hosts.items()
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


def _parse(platform: str, segments: list[str], kind: str) -> PlatformRef:
    try:
        found_id, url = SHARED[platform].parse(segments, kind)
    except LinkWrongKind as error:
        raise _wrong_kind(platform, error.found, kind) from None
    except LinkNoId:
        raise _no_id(platform, kind) from None
    return PlatformRef(platform, kind, found_id, url)


def _uri(platform: str, text: str, kind: str) -> PlatformRef:
    """A ``<scheme>:<kind>:<id>`` URI, as the platform's apps copy it."""
    parts = text.split(":")
    if len(parts) != 3:
        raise _no_id(platform, kind)
    found = parts[1].lower()
    if found != kind:
        raise _wrong_kind(platform, found, kind)
    return _parse(platform, [found, parts[2]], kind)


def _uri_platform(text: str) -> str | None:
    lowered = text.lower()
    for key, links in SHARED.items():
        if links.uri_scheme and lowered.startswith(f"{links.uri_scheme}:"):
            return key
    return None


def _one_of(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


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
            "This is not a %(platforms)s link (got %(host)s).",
            "link_unknown_host",
            platforms=_one_of(list(PLATFORM_LABELS.values())),
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
    if platform is not None and platform not in SHARED:
        return _adapter_ref(text, kind, platform, bare=False)
    by_uri = _uri_platform(text)
    if by_uri is not None:
        _check_platform(by_uri, platform, kind)
        return _uri(by_uri, text, kind)
    host, path = _host_and_path(text)
    found = _platform_for_host(host)
    _check_platform(found, platform, kind)
    return _parse(found, _segments(path), kind)


def parse_id_or_link(text: str, kind: Kind, platform: PlatformKey) -> PlatformRef:
    """Like :func:`parse_link`, but a bare platform id is accepted too."""
    text = (text or "").strip()
    if platform not in SHARED:
        return _adapter_ref(text, kind, platform, bare=True)
    if SHARED[platform].bare_id.match(text):
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
    if platform not in SHARED:
        try:
            return parse_platform_ref(platform, platform_id, kind, bare=True)[1]
        except ValueError:
            return ""
    return SHARED[platform].canonical(kind, platform_id)
