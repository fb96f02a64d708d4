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
from functools import partial
from typing import Protocol, runtime_checkable

import httpx

from fanloop.platforms.base import AppCredentials, Capability, Platform
from fanloop.platforms.validators import clean_secret

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


def check_kind(segments: list[str], kind: str) -> None:
    """Raise unless a share link's path segments (a prefix dropped) start with ``kind``."""
    if not segments:
        raise LinkNoId(kind)
    found = segments[0].lower()
    if found != kind:
        raise LinkWrongKind(found)


def kind_path_id(segments: list[str], kind: str, item_id: re.Pattern[str]) -> str:
    """The id of share link path segments ``<kind>/<id>`` (a prefix dropped)."""
    check_kind(segments, kind)
    if len(segments) < 2 or not item_id.match(segments[1]):
        raise LinkNoId(kind)
    return segments[1]


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
class CredentialField:
    """A credential the owner pastes into a platform app (a ``PlatformApp`` column)."""

    name: str  # the column: client_id, client_secret, team_id, key_id or private_key
    label: str  # the form's label
    help: str  # the form's help text for a new app
    clean: Callable[[str], str]  # the cleaned value, or ValidationError
    secret: bool = False  # write-only: never shown, kept when left empty on edit
    max_length: int = 200  # the form field's limit (services check the real format)
    list_label: str = ""  # the app list's name for it ("" : ``label``)
    # A key pasted whole (multi-line): a file upload with this label beside the text area.
    file_label: str = ""
    file_help: str = ""


def client_secret(label: str, help_text: str, what: str) -> CredentialField:
    """An app's client secret, pasted on one line (``what`` names it in messages)."""
    return CredentialField(
        "client_secret",
        label,
        help_text,
        partial(clean_secret, what=what),
        secret=True,
        list_label="Secret",
    )


@dataclass(frozen=True)
class DevelopmentMode:
    """Apps start in a development mode that serves a few users (a user cap) until the
    platform grants extended quota."""

    user_cap: int  # users a development-mode app may serve
    mode_help: str  # where the owner sees the app's mode, and what extended quota needs
    allow_list_help: str  # where the owner lists the accounts allowed in development mode


@dataclass(frozen=True)
class AppSetup:
    """What a workspace registers with the platform to use it: its credentials and limits."""

    fields: tuple[CredentialField, ...]
    # Where to find the credentials: HTML list items (trusted text of the adapter module),
    # then an HTML note ("" for none); ``{user_cap}`` is the development mode's cap.
    steps: tuple[str, ...]
    note: str = ""
    id_field: str = "client_id"  # the field that names the app (stored as its client id too)
    binding_field: str = "client_id"  # the field fans' grants are bound to
    budget_per_30s: int = 150  # a conservative default call budget per rolling 30 s
    development: DevelopmentMode | None = None


@dataclass(frozen=True)
class IdParser:
    """Ids and links of the platform read by its adapter module (not ``share_links``)."""

    # (pasted text, kind, bare ids accepted) -> (id, canonical link), or ValueError.
    parse: Callable[..., tuple[str, str]]
    examples: Mapping[str, str]  # kind -> what a link looks like


METRICS = ("followers", "listeners", "streams")
PLAIN_HEADER = {"date": "date", **{metric: metric for metric in METRICS}}


@dataclass(frozen=True)
class AudienceExport:
    """An audience CSV the artist downloads from the platform's artist tool."""

    key: str  # the stored source key
    label: str
    # Accepted header name (lower case) -> "date" or a metric.
    columns: Mapping[str, str]


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    label: str
    build: Factory  # the adapter, with base URLs from settings
    # The narrowest scopes a connect asks for, for what the fan agreed to.
    scopes_for: Callable[[frozenset[Capability]], list[str]]
    # The scopes each capability needs of a grant, beyond what any grant holds.
    capability_scopes: Mapping[Capability, tuple[str, ...]]
    # Kinds the library can be read back for, and the scope that allows it (None: any grant).
    read_scopes: Mapping[str, str | None]
    chart_color: str  # the platform's colour in the dashboard's charts
    mark: Mark
    capabilities: frozenset[Capability] = frozenset(Capability)  # what fanloop can do there
    sign_in: SignIn = SignIn.OAUTH
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
    app_setup: AppSetup | None = None  # None: workspaces register no app for it
    id_parser: IdParser | None = None
    audience_exports: tuple[AudienceExport, ...] = ()


@runtime_checkable
class CountsFollowers(Protocol):
    def artist_followers(self, artist_id: str) -> int | None: ...


def read_followers(adapter: Platform, artist_id: str) -> int | None:
    """``FollowerCounts.read`` of an adapter that has ``artist_followers``."""
    assert isinstance(adapter, CountsFollowers)
    return adapter.artist_followers(artist_id)


def mark_svg(body: str) -> str:
    """An inline mark's <svg> around ``body``."""
    return (
        '<svg class="mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" '
        f'focusable="false">{body}</svg>'
    )
