"""The one interface every streaming platform adapter implements, and its value types.

Errors form one small tree (see ``errors.py``); adapters never leak httpx errors, and no
token or secret appears in a repr, a str or an error message.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol, TypeVar

from authlib.oauth2.rfc7636 import create_s256_code_challenge

ItemKind = Literal["album", "track", "artist"]
T = TypeVar("T")


class Capability(StrEnum):
    """What a fan agreed to; each adapter maps these to its narrowest scopes."""

    SAVE = "save"  # write to the library (the pre-save itself)
    FOLLOW = "follow"  # follow the artist
    VERIFY = "verify"  # read the library to verify saves and follows


class AppMode(StrEnum):
    DEVELOPMENT = "development"
    EXTENDED = "extended"


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def generate(cls) -> Pkce:
        # RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~]; token_urlsafe(64) gives 86.
        verifier = secrets.token_urlsafe(64)
        return cls(verifier, create_s256_code_challenge(verifier))


@dataclass(frozen=True)
class AppCredentials:
    """One platform app (client) as configured by a workspace."""

    client_id: str
    client_secret: str = field(default="", repr=False)
    redirect_uri: str = ""
    mode: AppMode = AppMode.DEVELOPMENT
    # Apple Music developer-token signing material.
    team_id: str = ""
    key_id: str = ""
    private_key: str = field(default="", repr=False)


@dataclass
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None  # None: does not expire (or unknown)
    scopes: frozenset[str] = frozenset()

    def expires_within(self, seconds: float, now: dt.datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        now = now or dt.datetime.now(dt.UTC)
        return self.expires_at - now <= dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class Profile:
    # None when the platform exposes no stable user id (Apple Music, see applemusic.py).
    user_id: str | None
    display_name: str = ""
    country: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ItemRef:
    kind: ItemKind
    id: str


@dataclass(frozen=True)
class ReleaseRef:
    platform: str
    album_id: str
    title: str = ""
    url: str = ""
    track_ids: tuple[str, ...] = ()
    artist_ids: tuple[str, ...] = ()  # empty on Apple Music (no follow there)


@dataclass(frozen=True)
class TrackRef:
    platform: str
    track_id: str
    album_id: str | None = None
    title: str = ""
    url: str = ""


@dataclass(frozen=True)
class AlbumInfo:
    """An album of an artist's discography, as the daily forever-save check reads it."""

    platform: str
    album_id: str
    title: str
    release_date: dt.date | None  # None when the platform gives no day
    upc: str = ""
    url: str = ""
    album_type: str = "album"  # album, single, ep, compilation


@dataclass(frozen=True)
class ConnectionCheck:
    """The answer to "do these app credentials work?", with a message for a human."""

    ok: bool
    message: str


class Platform(Protocol):
    key: str
    label: str

    def authorize_url(self, state: str, pkce: Pkce, capabilities: frozenset[Capability]) -> str: ...
    def exchange_code(self, code: str, pkce: Pkce) -> Tokens: ...
    def refresh(self, tokens: Tokens) -> Tokens: ...
    def profile(self, tokens: Tokens) -> Profile: ...
    def lookup_release(self, upc: str, market: str) -> ReleaseRef | None: ...
    def lookup_track(self, isrc: str, market: str) -> TrackRef | None: ...
    def save(self, tokens: Tokens, items: list[ItemRef]) -> None: ...
    def contains(self, tokens: Tokens, items: list[ItemRef]) -> list[bool]: ...
    def write_calls(self, items: list[ItemRef]) -> int: ...
    def read_calls(self, items: list[ItemRef]) -> int: ...
    def readable(self, scopes: frozenset[str], items: list[ItemRef]) -> list[ItemRef]: ...
    def test_connection(self) -> ConnectionCheck: ...
    def artist_albums(self, artist_id: str, market: str, since: dt.date) -> list[AlbumInfo]: ...


def parse_day(value: object) -> dt.date | None:
    """A platform's release date ("2026-09-12", or only "2026" / "2026-09": no day) or None."""
    text = str(value or "")
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def released_since(albums: list[AlbumInfo], since: dt.date) -> list[AlbumInfo]:
    """The albums released on or after ``since`` (an album with no release day is left out)."""
    return [a for a in albums if a.release_date is not None and a.release_date >= since]
