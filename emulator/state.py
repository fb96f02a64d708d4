"""The emulator's whole state, in memory: apps, users and their libraries, grants, tokens.

Plain slotted dataclasses and dicts keyed for the hot path (token → grant → user). One
process owns it (granian runs one worker); snapshot.py writes it to a file and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog
from .clock import Clock
from .faults import Faults
from .limits import RateLimiter
from .stats import Stats

PLATFORMS = ("spotify", "deezer", "apple", "tidal")

# Spotify's documented scopes; anything else in an authorize request is `invalid_scope`.
SPOTIFY_SCOPES = frozenset(
    {
        "ugc-image-upload",
        "user-read-playback-state",
        "user-modify-playback-state",
        "user-read-currently-playing",
        "app-remote-control",
        "streaming",
        "playlist-read-private",
        "playlist-read-collaborative",
        "playlist-modify-private",
        "playlist-modify-public",
        "user-follow-modify",
        "user-follow-read",
        "user-read-playback-position",
        "user-top-read",
        "user-read-recently-played",
        "user-library-modify",
        "user-library-read",
        "user-read-email",
        "user-read-private",
        "user-personalized",
        "user-soa-link",
        "user-soa-unlink",
        "soa-manage-entitlements",
        "soa-manage-partner",
        "soa-create-partner",
    }
)
DEEZER_PERMS = frozenset(
    {
        "basic_access",
        "email",
        "offline_access",
        "manage_library",
        "manage_community",
        "delete_library",
        "listening_history",
    }
)

# TIDAL's OAuth scopes (the description's Authorization_Code_PKCE scheme), all access tiers.
TIDAL_SCOPES = frozenset(
    {
        "collection.read",
        "collection.write",
        "entitlements.read",
        "playback",
        "playlists.read",
        "playlists.write",
        "r_usr",
        "recommendations.read",
        "search.read",
        "search.write",
        "user.read",
        "w_usr",
    }
)

DEFAULT_RATE_LIMITS: dict[str, tuple[int | None, float]] = {
    # Spotify does not publish its limit: unlimited unless an app sets one, 30 s window.
    "spotify": (None, 30.0),
    "deezer": (50, 5.0),
    # Apple's thresholds are unpublished: unlimited unless an app sets one.
    "apple": (None, 60.0),
    # TIDAL publishes no figure either (429 with Retry-After): unlimited unless an app sets one.
    "tidal": (None, 60.0),
}


@dataclass(slots=True)
class Config:
    """Behaviour switches for facts PLATFORMS.md marks as unconfirmed (see README)."""

    library_artist_requires_follow_scope: bool = True
    dev_mode_strips_private_fields: bool = True
    refresh_token_rotation: bool = False  # False: refresh responses omit refresh_token
    library_unknown_ids: str = "error"  # "error" → 404 for the whole call | "ignore"
    default_market: str = "US"
    access_token_ttl_s: int = 3600
    refresh_token_months: int = 6
    deezer_token_ttl_s: int = 3600
    apple_user_token_ttl_s: int = 180 * 86400
    login_password: str | None = None  # None: any password logs an emulated user in

    def dump(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def update(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            if key not in self.__slots__:
                raise ValueError(f"unknown config key: {key}")
            setattr(self, key, value)


@dataclass(slots=True)
class App:
    platform: str
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]
    mode: str = "extended"  # Spotify: "development" | "extended"
    rate_limit: int | None = None
    window_s: float = 30.0
    # Spotify development mode: only the owner and the accounts on the app's allow-list
    # (emails, as added in the Developer Dashboard's User Management) get Web API answers.
    owner: str = ""
    users: list[str] = field(default_factory=list)
    team_id: str = ""
    key_id: str = ""
    public_key_pem: str = ""
    private_key_pem: str = ""

    @property
    def limiter_key(self) -> str:
        return f"{self.platform}:{self.client_id}"


@dataclass(slots=True)
class User:
    platform: str
    id: str
    country: str
    name: str
    email: str
    premium: bool = True
    password: str | None = None
    # item key (Spotify URI, "album:123" on Deezer, "albums:123" on Apple) → added_at epoch
    library: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Grant:
    """One user's consent to one app: the refresh-token family and its scopes."""

    id: str
    platform: str
    client_id: str
    user_id: str
    scopes: frozenset[str]
    authorized_at: float
    refresh_token: str | None
    refresh_expires_at: float | None
    pkce: bool = False
    revoked: bool = False


@dataclass(slots=True)
class AccessToken:
    token: str
    grant: Grant
    expires_at: float | None  # None: never expires (Deezer offline_access)


@dataclass(slots=True)
class AuthCode:
    code: str
    platform: str
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float
    code_challenge: str | None = None


@dataclass
class State:
    clock: Clock = field(default_factory=Clock)
    config: Config = field(default_factory=Config)
    catalog: Catalog = field(default_factory=Catalog)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    faults: Faults = field(default_factory=Faults)
    stats: Stats = field(default_factory=Stats)
    apps: dict[tuple[str, str], App] = field(default_factory=dict)
    apple_keys: dict[str, App] = field(default_factory=dict)  # key id → Apple app
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    users_by_email: dict[tuple[str, str], User] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)  # cookie → user
    # (platform, client id, user id) → scopes the user agreed to on the consent page
    consents: dict[tuple[str, str, str], frozenset[str]] = field(default_factory=dict)
    # TIDAL writes: (user id, Idempotency-Key) → (payload digest, the response given)
    idempotency: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)
    user_seq: int = 0
    seed: int = 0

    def reset(self) -> None:
        seed = self.seed
        fresh = State()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))
        self.seed = seed
        self.faults.seed = seed

    def user(self, platform: str, user_id: str) -> User | None:
        return self.users.get((platform, user_id))

    def app(self, platform: str, client_id: str) -> App | None:
        return self.apps.get((platform, client_id))
