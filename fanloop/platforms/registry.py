"""The one table of platforms: a new platform is one module (with its ``INFO``) plus one line
here. Other apps ask the functions below what a platform is and can do; none names one.

Base URLs are read from settings when an adapter is built, so tests and the demo can point
them at the emulator; adapters share one pooled httpx client unless given their own.
"""

from __future__ import annotations

import datetime as dt

import httpx

from fanloop.platforms import applemusic, deezer, spotify, tidal
from fanloop.platforms.base import AppCredentials, Capability, Platform
from fanloop.platforms.info import (
    AppSetup,
    AudienceExport,
    DevelopmentMode,
    Factory,
    PlatformInfo,
    SignIn,
)

INFOS: dict[str, PlatformInfo] = {
    i.key: i for i in (spotify.INFO, applemusic.INFO, deezer.INFO, tidal.INFO)
}
# (label, factory) per platform key, in the registry's order.
PLATFORMS: dict[str, tuple[str, Factory]] = {k: (i.label, i.build) for k, i in INFOS.items()}

# A call budget per rolling 30 s for a platform that declares none.
FALLBACK_BUDGET_PER_30S = 100


def parse_platform_ref(key: str, text: str, kind: str, *, bare: bool) -> tuple[str, str]:
    """(id, canonical link) of ``text`` pasted for an ``kind`` on ``key``, by the adapter
    module's own parser (the others' links are read by ``catalog.share_links`` from their
    INFO's share links); ValueError."""
    entry = INFOS.get(key)
    if entry is None or entry.id_parser is None:
        raise ValueError(f"Links of {key} cannot be read here.")
    return entry.id_parser.parse(text, kind, bare=bare)


def link_example(key: str, kind: str) -> str:
    """What a link to an ``kind`` on ``key`` looks like ("" when not known here)."""
    entry = INFOS.get(key)
    return entry.id_parser.examples.get(kind, "") if entry and entry.id_parser else ""


class UnknownPlatform(LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"unknown platform: {key!r}")
        self.key = key


def info(key: str) -> PlatformInfo:
    """What fanloop knows about platform ``key``; UnknownPlatform when there is none."""
    try:
        return INFOS[key]
    except KeyError:
        raise UnknownPlatform(key) from None


def keys() -> tuple[str, ...]:
    return tuple(INFOS)


def label(key: str) -> str:
    """The platform's name as people read it (the key itself for an unknown one)."""
    entry = INFOS.get(key)
    return entry.label if entry else key


def keys_with(capability: Capability) -> tuple[str, ...]:
    """The platforms where fanloop can do ``capability`` for a fan, in the registry's order."""
    return tuple(k for k, i in INFOS.items() if capability in i.capabilities)


def keys_signing_in(sign_in: SignIn) -> frozenset[str]:
    """The platforms whose fans connect by ``sign_in`` (an OAuth redirect, or on the page)."""
    return frozenset(k for k, i in INFOS.items() if i.sign_in == sign_in)


def oauth_keys() -> frozenset[str]:
    return keys_signing_in(SignIn.OAUTH)


def redirect_keys() -> tuple[str, ...]:
    """The platforms whose fans come back through fanloop's OAuth callback, in order."""
    return tuple(k for k, i in INFOS.items() if i.sign_in == SignIn.OAUTH)


def on_page_labels() -> tuple[str, ...]:
    """Labels of the platforms whose fans authorize in the page (no redirect URI)."""
    return tuple(i.label for i in INFOS.values() if i.sign_in == SignIn.ON_PAGE)


def app_setup(key: str) -> AppSetup | None:
    """What a workspace registers with ``key`` (None: unknown, or no app to register)."""
    entry = INFOS.get(key)
    return entry.app_setup if entry else None


def default_budget(key: str) -> int:
    """The call budget per rolling 30 s of an app of ``key`` that sets none."""
    setup = app_setup(key)
    return setup.budget_per_30s if setup else FALLBACK_BUDGET_PER_30S


def development_mode(key: str) -> DevelopmentMode | None:
    """``key``'s development mode (a user cap until extended quota), None when it has none."""
    setup = app_setup(key)
    return setup.development if setup else None


def audience_exports() -> dict[str, tuple[str, AudienceExport]]:
    """Every platform's audience CSV exports: source key -> (platform, export)."""
    return {e.key: (k, e) for k, i in INFOS.items() for e in i.audience_exports}


def signs_in_on_page(key: str) -> bool:
    entry = INFOS.get(key)
    return entry is not None and entry.sign_in == SignIn.ON_PAGE


def required_scopes(key: str, capability: Capability) -> frozenset[str] | None:
    """Scopes ``capability`` needs on ``key`` (as a connect asking for it alone would ask);
    None when the platform cannot do it."""
    entry = INFOS.get(key)
    if entry is None or capability not in entry.capabilities:
        return None
    return frozenset(entry.scopes_for(frozenset({capability})))


def allows(key: str, capability: Capability, scopes: frozenset[str]) -> bool:
    """Whether a grant of ``scopes`` on ``key`` holds what ``capability`` itself needs (a
    follow's own scope, say), whatever else a connect asking for it would add."""
    entry = INFOS.get(key)
    if entry is None or capability not in entry.capabilities:
        return False
    return set(entry.capability_scopes.get(capability, ())) <= scopes


def can_read(key: str, kind: str, scopes: frozenset[str]) -> bool:
    """Whether a grant of ``scopes`` lets fanloop read ``kind`` back (a follow: "artist")."""
    entry = INFOS.get(key)
    if entry is None or kind not in entry.read_scopes:
        return False
    needed = entry.read_scopes[kind]
    return needed is None or needed in scopes


def refresh_token_lifetimes() -> dict[str, dt.timedelta]:
    """The platforms whose refresh tokens expire on a schedule: how long they live."""
    return {k: i.refresh_token_lifetime for k, i in INFOS.items() if i.refresh_token_lifetime}


def chart_colors() -> dict[str, str]:
    return {k: i.chart_color for k, i in INFOS.items()}


def artist_followers(key: str, app: AppCredentials, artist_id: str) -> int | None:
    """The artist's follower count on ``key`` as the app sees it; None where not exposed."""
    entry = INFOS.get(key)
    if entry is None or entry.follower_counts is None:
        return None
    return entry.follower_counts.read(get_platform(key, app), artist_id)


def follower_count_platforms() -> list[tuple[str, bool, str]]:
    """(platform, needs an app, note) of each platform that may expose follower counts."""
    return [
        (k, i.follower_counts.needs_app, i.follower_counts.note)
        for k, i in INFOS.items()
        if i.follower_counts
    ]


def allow_list_size(key: str) -> int | None:
    """How many accounts a development-mode app of ``key`` may list; None: no allow-list."""
    entry = INFOS.get(key)
    return entry.allow_list if entry else None


def redirect_uri_refusal(key: str, uri: str) -> str:
    """Why platform ``key`` would refuse ``uri`` as its redirect URI ("" when accepted)."""
    entry = INFOS.get(key)
    rule = entry.redirect_uri_refusal if entry else None
    return rule(uri) if rule else ""


def in_app_presave_field() -> tuple[str, str, str]:
    """(label, example, help) of the release form's in-app pre-save link field."""
    fields = [i.in_app_presave for i in INFOS.values() if i.in_app_presave]
    return (
        " or ".join(f.label for f in fields),
        " or ".join(f.example for f in fields),
        " ".join(f.help for f in fields),
    )


def in_app_presave_link(value: str) -> tuple[str, str]:
    """(platform key, canonical link) of a pasted in-app pre-save link (a Spotify Countdown
    Page); ValueError with the message of the first platform's rule when none accepts it."""
    first: ValueError | None = None
    for key, entry in INFOS.items():
        if entry.in_app_presave is None:
            continue
        try:
            return key, entry.in_app_presave.parse(value)
        except ValueError as error:
            first = first or error
    raise first or ValueError("No platform offers in-app pre-saves.")


def authorize_origins(emulator_url: str) -> list[str]:
    """The sign-in pages of platforms whose URLs are not settings of their own (TIDAL's),
    under ``emulator_url`` when set: public pages let forms lead there."""
    return [i.authorize_origin(emulator_url) for i in INFOS.values() if i.authorize_origin]


def get_platform(key: str, app: AppCredentials, client: httpx.Client | None = None) -> Platform:
    return info(key).build(app, client)


def platform_choices() -> list[tuple[str, str]]:
    return [(key, entry.label) for key, entry in INFOS.items()]
