"""What fanloop knows about one platform, declared as ``INFO`` in its adapter module.

The registry lists each module's ``INFO`` once; other apps ask the registry (``info(key)``,
``keys_with(capability)``, ...) instead of naming a platform.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import httpx

from fanloop.platforms.base import AppCredentials, Capability, Platform

Factory = Callable[[AppCredentials, httpx.Client | None], Platform]


class SignIn(StrEnum):
    """How a fan connects an account."""

    OAUTH = "oauth"  # a redirect to the platform's consent screen and back
    ON_PAGE = "on_page"  # a script on the artist's page (Apple's MusicKit JS)


@dataclass(frozen=True)
class Mark:
    """A platform's buttons on public pages: its colours and a small inline drawing."""

    background: str
    foreground: str
    svg: str  # markup of an <svg> drawn in currentColor and the background colour


class LinkNoId(ValueError):
    """A pasted link of the right platform and kind carries no valid id."""


class LinkWrongKind(ValueError):
    """A pasted link is of another kind (an album link in an artist field)."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


@dataclass(frozen=True)
class ShareLinks:
    """The artist and album links a member pastes from the platform's share menu."""

    hosts: frozenset[str]
    # Short links redirect to the real page; reading them needs the network: short host ->
    # the host of the full link to paste instead.
    short_hosts: Mapping[str, str]
    examples: Mapping[str, str]  # kind ("artist", "album") -> what a link looks like
    bare_id: re.Pattern[str]  # an id pasted on its own
    # (path segments, kind) -> (id, canonical link); raises LinkNoId or LinkWrongKind.
    parse: Callable[[list[str], str], tuple[str, str]]
    canonical: Callable[[str, str], str]  # (kind, id) -> a link that opens it
    uri_scheme: str = ""  # "<scheme>:<kind>:<id>" URIs the platform's apps copy, if any


# An id segment of a listen link's path.
LISTEN_ID = r"[A-Za-z0-9_.\-]+"


@dataclass(frozen=True)
class ListenService:
    """A service a release page links to, and the pasted links it accepts."""

    key: str
    label: str
    hosts: tuple[str, ...]  # exact host names (lower case); empty: see ``host_pattern``
    paths: tuple[str, ...]  # regular expressions a path must match entirely
    host_pattern: str = ""  # a regular expression for hosts with a variable part
    keep_query: tuple[str, ...] = ()  # query parameters that are part of the address

    def accepts_host(self, host: str) -> bool:
        if host in self.hosts:
            return True
        return bool(self.host_pattern) and re.fullmatch(self.host_pattern, host) is not None


@dataclass(frozen=True)
class InAppPresave:
    """A link the artist pastes through which the platform's own app pre-saves."""

    parse: Callable[[str], str]  # the canonical link, or ValueError saying what is wrong
    label: str
    example: str
    help: str


@dataclass(frozen=True)
class FollowerCounts:
    """The artist's follower count as the platform tells an app."""

    read: Callable[[Platform, str], int | None]  # None: the count is left out for this app
    needs_app: bool
    note: str


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    label: str
    build: Factory  # the adapter, with base URLs from settings
    capabilities: frozenset[Capability]  # what fanloop can do for a fan there
    # The narrowest scopes a connect asks for, for what the fan agreed to.
    scopes_for: Callable[[frozenset[Capability]], list[str]]
    # The scopes each capability needs of a grant, beyond what any grant holds.
    capability_scopes: Mapping[Capability, tuple[str, ...]]
    # Kinds the library can be read back for, and the scope that allows it (None: any grant).
    read_scopes: Mapping[str, str | None]
    sign_in: SignIn
    chart_color: str  # the platform's colour in the dashboard's charts
    mark: Mark
    # Where a fan removes fanloop's access on the platform's site ("" when unknown), or
    # else the words saying where.
    settings_url: str = ""
    settings_hint: str = ""
    # How long a refresh token lives from the authorization, when it expires on a schedule.
    refresh_token_lifetime: dt.timedelta | None = None
    # The token answer names no scopes: consent is all or nothing, so it holds what was asked.
    grants_unnamed: bool = False
    share_links: ShareLinks | None = None
    listen: ListenService | None = None  # the listen links a member may paste
    # Accounts a development-mode app may list (None: such apps serve anyone).
    allow_list: int | None = None
    redirect_uri_refusal: Callable[[str], str] | None = None  # why a URI is refused, or ""
    in_app_presave: InAppPresave | None = None
    follower_counts: FollowerCounts | None = None
    # Sign-in pages not set in settings of their own: the page under an emulator URL.
    authorize_origin: Callable[[str], str] | None = None


def mark_svg(body: str) -> str:
    """An inline mark's <svg> around ``body``."""
    return (
        '<svg class="mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" '
        f'focusable="false">{body}</svg>'
    )
