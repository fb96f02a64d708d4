"""The one table of platforms: a new platform is one module plus one line here.

Base URLs are read from settings when an adapter is built, so tests and the demo can point
them at the emulator; adapters share one pooled httpx client unless given their own.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from django.conf import settings

from fanloop.platforms import spotify, tidal
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import AppCredentials, Platform
from fanloop.platforms.deezer import Deezer
from fanloop.platforms.spotify import Spotify
from fanloop.platforms.tidal import Tidal, urls

Factory = Callable[[AppCredentials, httpx.Client | None], Platform]


def _spotify(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return Spotify(app, settings.SPOTIFY_ACCOUNTS_URL, settings.SPOTIFY_API_URL, client)


def _applemusic(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return AppleMusic(app, settings.APPLE_MUSIC_API_URL, client)


def _deezer(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return Deezer(app, settings.DEEZER_CONNECT_URL, settings.DEEZER_API_URL, client)


def _tidal(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return Tidal(app, *urls(settings.PLATFORM_EMULATOR_URL), client)


PLATFORMS: dict[str, tuple[str, Factory]] = {
    "spotify": ("Spotify", _spotify),
    "applemusic": ("Apple Music", _applemusic),
    "deezer": ("Deezer", _deezer),
    "tidal": ("TIDAL", _tidal),
}


# Platforms whose development-mode apps serve only an allow-list of accounts: its size.
ALLOW_LISTS: dict[str, int] = {"spotify": spotify.DEV_MODE_ACCOUNTS}
# Platforms whose own app can pre-save (a link the artist pastes): its parser, which returns
# the canonical link or raises ValueError.
IN_APP_PRESAVE: dict[str, Callable[[str], str]] = {"spotify": spotify.countdown_page_link}
# Platforms with rules for OAuth redirect URIs: why a URI would be refused ("" if not).
REDIRECT_RULES: dict[str, Callable[[str], str]] = {"spotify": spotify.redirect_uri_refusal}


# Platforms whose ids and links are parsed by their adapter module: (parser, examples).
# The parser takes (pasted text, kind, bare ids accepted) and returns (id, canonical link)
# or raises ValueError; the others' are in ``catalog.share_links``.
ID_PARSERS: dict[str, tuple[Callable[..., tuple[str, str]], dict[str, str]]] = {
    "tidal": (tidal.parse_ref, tidal.LINK_EXAMPLES),
}


def parse_platform_ref(key: str, text: str, kind: str, *, bare: bool) -> tuple[str, str]:
    """(id, canonical link) of ``text`` pasted for an ``kind`` on ``key``; ValueError."""
    entry = ID_PARSERS.get(key)
    if entry is None:
        raise ValueError(f"Links of {key} cannot be read here.")
    return entry[0](text, kind, bare=bare)


def link_example(key: str, kind: str) -> str:
    """What a link to an ``kind`` on ``key`` looks like ("" when not known here)."""
    entry = ID_PARSERS.get(key)
    return entry[1].get(kind, "") if entry else ""


def _deezer_followers(adapter: Platform, artist_id: str) -> int | None:
    assert isinstance(adapter, Deezer)
    return adapter.artist_followers(artist_id)


def _spotify_followers(adapter: Platform, artist_id: str) -> int | None:
    assert isinstance(adapter, Spotify)
    return adapter.artist_followers(artist_id)


# Platforms that may tell the app an artist's follower count: (reader, needs an app, note).
# The reader answers None when the platform leaves the count out for this app.
FOLLOWER_COUNTS: dict[str, tuple[Callable[[Platform, str], int | None], bool, str]] = {
    "deezer": (_deezer_followers, False, "Deezer: the artist's public fan count (nb_fan)."),
    "spotify": (
        _spotify_followers,
        True,
        "Spotify: followers.total, only for extended-quota apps; in development mode "
        "the field is not there, so no snapshot is taken.",
    ),
}


def follower_count_platforms() -> list[tuple[str, bool, str]]:
    """(platform, needs an app, note) of each platform that may expose follower counts."""
    return [(key, needs_app, note) for key, (_, needs_app, note) in FOLLOWER_COUNTS.items()]


def artist_followers(key: str, app: AppCredentials, artist_id: str) -> int | None:
    """The artist's follower count on ``key`` as the app sees it; None where not exposed."""
    entry = FOLLOWER_COUNTS.get(key)
    if entry is None:
        return None
    return entry[0](get_platform(key, app), artist_id)


def allow_list_size(key: str) -> int | None:
    """How many accounts a development-mode app of ``key`` may list; None: no allow-list."""
    return ALLOW_LISTS.get(key)


def redirect_uri_refusal(key: str, uri: str) -> str:
    """Why platform ``key`` would refuse ``uri`` as its redirect URI ("" when accepted)."""
    rule = REDIRECT_RULES.get(key)
    return rule(uri) if rule else ""


# (label, example, help) of the in-app pre-save link field, per platform that has one.
IN_APP_PRESAVE_FIELD: dict[str, tuple[str, str, str]] = {
    "spotify": (
        spotify.COUNTDOWN_PAGE_LABEL,
        spotify.COUNTDOWN_PAGE_EXAMPLE,
        spotify.COUNTDOWN_PAGE_HELP,
    )
}


def in_app_presave_field() -> tuple[str, str, str]:
    """(label, example, help) of the release form's in-app pre-save link field."""
    fields = list(IN_APP_PRESAVE_FIELD.values())
    return (
        " or ".join(f[0] for f in fields),
        " or ".join(f[1] for f in fields),
        " ".join(f[2] for f in fields),
    )


def in_app_presave_link(value: str) -> tuple[str, str]:
    """(platform key, canonical link) of a pasted in-app pre-save link (a Spotify Countdown
    Page); ValueError with the message of the first platform's rule when none accepts it."""
    first: ValueError | None = None
    for key, parse in IN_APP_PRESAVE.items():
        try:
            return key, parse(value)
        except ValueError as error:
            first = first or error
    raise first or ValueError("No platform offers in-app pre-saves.")


def authorize_origins(emulator_url: str) -> list[str]:
    """The sign-in pages of platforms whose URLs are not settings of their own (TIDAL's),
    under ``emulator_url`` when set: public pages let forms lead there."""
    return [tidal.urls(emulator_url)[0]]


class UnknownPlatform(LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"unknown platform: {key!r}")
        self.key = key


def get_platform(key: str, app: AppCredentials, client: httpx.Client | None = None) -> Platform:
    try:
        _, factory = PLATFORMS[key]
    except KeyError:
        raise UnknownPlatform(key) from None
    return factory(app, client)


def platform_choices() -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _) in PLATFORMS.items()]
