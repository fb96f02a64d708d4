"""Every write to the emulator's state goes through these functions.

The admin API, the OAuth pages and the Web API handlers all call them, so a token issued for a
test and one issued through the consent page are the same object with the same rules.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import ids
from .clock import iso, parse_instant
from .state import DEFAULT_RATE_LIMITS, AccessToken, App, Grant, State, User


class ActionError(ValueError):
    pass


def add_months(ts: float, months: int) -> float:
    """Same day-of-month ``months`` later (clamped to the month's end), same time of day."""
    dt = datetime.fromtimestamp(ts, UTC)
    month0 = dt.month - 1 + months
    year, month = dt.year + month0 // 12, month0 % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day).timestamp()


def create_app(state: State, data: dict[str, Any]) -> App:
    platform = str(data.get("platform", ""))
    if platform not in DEFAULT_RATE_LIMITS:
        raise ActionError("platform must be spotify, deezer, apple or tidal")
    client_id = str(data.get("client_id") or "")
    if not client_id:
        raise ActionError("client_id is required")
    default_limit, default_window = DEFAULT_RATE_LIMITS[platform]
    rate = data.get("rate_limit") or {}
    mode = str(data.get("mode", "development" if platform == "spotify" else "extended"))
    if mode not in ("development", "extended"):
        raise ActionError("mode must be development or extended")
    redirect_uris = [str(u) for u in data.get("redirect_uris") or []]
    if platform == "spotify":
        for uri in redirect_uris:
            refused = spotify_redirect_refusal(uri)
            if refused:
                raise ActionError(f"redirect URI {uri!r} refused: {refused}")
    app = App(
        platform=platform,
        client_id=client_id,
        client_secret=str(data.get("client_secret") or ""),
        name=str(data.get("name") or client_id),
        redirect_uris=redirect_uris,
        mode=mode,
        rate_limit=rate.get("limit", default_limit) if isinstance(rate, dict) else None,
        window_s=float(rate.get("window_s", default_window)) if rate else default_window,
        owner=_email(data.get("owner") or ""),
    )
    for email in data.get("users") or []:
        allow_user(app, str(email))
    if platform == "apple":
        _configure_apple_key(app, data)
        state.apple_keys[app.key_id] = app
    state.apps[(platform, client_id)] = app
    return app


def _configure_apple_key(app: App, data: dict[str, Any]) -> None:
    app.team_id = str(data.get("team_id") or "")
    app.key_id = str(data.get("key_id") or "")
    if not app.team_id or not app.key_id:
        raise ActionError("an apple app needs team_id and key_id")
    pem = data.get("public_key")
    if pem:
        app.public_key_pem = str(pem)
        try:
            serialization.load_pem_public_key(app.public_key_pem.encode())
        except ValueError as exc:
            raise ActionError(f"public_key is not a PEM public key: {exc}") from exc
        return
    # No key given: generate a P-256 pair and hand the private half back (tests, benchmarks).
    private = ec.generate_private_key(ec.SECP256R1())
    app.private_key_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    app.public_key_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def create_user(state: State, data: dict[str, Any]) -> User:
    platform = str(data.get("platform", ""))
    if platform not in DEFAULT_RATE_LIMITS:
        raise ActionError("platform must be spotify, deezer, apple or tidal")
    user_id = data.get("id") or data.get("user_id")
    if not user_id:
        state.user_seq += 1
        user_id = ids.user_id(platform, state.user_seq)
    user_id = str(user_id)
    country = str(data.get("country") or "US").upper()
    email = str(data.get("email") or f"{user_id}@users.emulator.test")
    user = User(
        platform=platform,
        id=user_id,
        country=country,
        name=str(data.get("name") or user_id),
        email=email,
        premium=bool(data.get("premium", True)),
        password=data.get("password"),
    )
    old = state.users.get((platform, user_id))
    if old is not None:
        user.library = old.library
        state.users_by_email.pop((platform, old.email.lower()), None)
    state.users[(platform, user_id)] = user
    state.users_by_email[(platform, email.lower())] = user
    return user


# Spotify development mode (Feb/March 2026): at most five accounts per app, the owner
# included, each added by email in the Developer Dashboard (README: sources).
DEV_MODE_ACCOUNTS = 5
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})  # urlsplit().hostname drops the brackets


def _email(value: object) -> str:
    email = str(value).strip().lower()
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise ActionError(f"not an email address: {value!r}")
    return email


def allow_user(app: App, email: str) -> list[str]:
    """Add ``email`` to a Spotify app's development-mode allow-list; the list after."""
    if app.platform != "spotify":
        raise ActionError("only Spotify apps have a development-mode allow-list")
    address = _email(email)
    if not address:
        raise ActionError("email is required")
    if address == app.owner or address in app.users:
        return app.users
    if len(app.users) + (1 if app.owner else 0) >= DEV_MODE_ACCOUNTS:
        raise ActionError(
            f"a development-mode app serves at most {DEV_MODE_ACCOUNTS} accounts, the owner "
            "included"
        )
    app.users.append(address)
    return app.users


def disallow_user(app: App, email: str) -> bool:
    """Remove ``email`` from the allow-list; whether it was there."""
    address = _email(email)
    if address in app.users:
        app.users.remove(address)
        return True
    return False


def user_allowed(app: App, user: User) -> bool:
    """Whether the app may serve ``user``: always outside Spotify development mode; else only
    the owner and the allow-listed emails (checked on every call, so removal bites at once)."""
    if app.platform != "spotify" or app.mode != "development":
        return True
    email = user.email.lower()
    return email == app.owner or email in app.users


def spotify_redirect_refusal(uri: str) -> str:
    """Why Spotify would refuse ``uri`` as a redirect URI ("" when it accepts it): HTTPS, or
    plain HTTP only for the loopback IP literals; never ``localhost``."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "not a valid URI"
    if not parts.scheme:
        return "not an absolute URI"
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "localhost is not allowed; use 127.0.0.1 or [::1]"
    if parts.scheme in ("http", "https") and not host:
        return "no host"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return "plain http is allowed only for the loopback IP literals 127.0.0.1 and [::1]"
    return ""


def spotify_redirect_matches(registered: list[str], uri: str) -> bool:
    """Exact match, except that a loopback IP literal registered without a port matches any
    port (Spotify's rule for dynamically assigned loopback ports)."""
    if uri in registered:
        return True
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "http" or port is None or (parts.hostname or "") not in LOOPBACK_HOSTS:
        return False
    host = parts.netloc.rsplit(":", 1)[0]
    return urlunsplit(parts._replace(netloc=host)) in registered


def issue_grant(
    state: State, app: App, user: User, scopes: frozenset[str], pkce: bool = False
) -> Grant:
    now = state.clock.now()
    refresh: str | None = None
    refresh_expires: float | None = None
    if app.platform in ("spotify", "tidal"):
        refresh = ids.token("AQ" if app.platform == "spotify" else "tr")
        refresh_expires = add_months(now, state.config.refresh_token_months)
    grant = Grant(
        id=ids.token("g", 9),
        platform=app.platform,
        client_id=app.client_id,
        user_id=user.id,
        scopes=scopes,
        authorized_at=now,
        refresh_token=refresh,
        refresh_expires_at=refresh_expires,
        pkce=pkce,
    )
    state.grants[grant.id] = grant
    if refresh:
        state.refresh_tokens[refresh] = grant
    return grant


def issue_access_token(state: State, grant: Grant, ttl_s: float | None) -> AccessToken:
    prefix = {"spotify": "BQ", "deezer": "fr", "apple": "A", "tidal": "ey"}[grant.platform]
    expires = state.clock.now() + ttl_s if ttl_s is not None else None
    token = AccessToken(ids.token(prefix), grant, expires)
    state.access_tokens[token.token] = token
    return token


def grant_is_revoked(state: State, grant: Grant) -> bool:
    return grant.revoked or state.faults.user_revoked(grant.platform, grant.user_id)


def revoke(state: State, data: dict[str, Any]) -> int:
    """Revoke by token (access or refresh) or by user (optionally one app); count grants."""
    tok = data.get("token")
    if tok:
        grant = state.refresh_tokens.get(tok)
        if grant is None:
            access = state.access_tokens.get(tok)
            grant = access.grant if access else None
        if grant is None:
            raise ActionError("unknown token")
        grant.revoked = True
        return 1
    platform, user_id = data.get("platform"), data.get("user_id")
    if not platform or not user_id:
        raise ActionError("give a token, or platform and user_id")
    client_id = data.get("client_id")
    for key in [k for k in state.consents if k[0] == platform and k[2] == str(user_id)]:
        if client_id is None or key[1] == client_id:
            del state.consents[key]
    n = 0
    for grant in state.grants.values():
        if grant.platform == platform and grant.user_id == str(user_id):
            if client_id is None or grant.client_id == client_id:
                grant.revoked = True
                n += 1
    return n


def _artist_of(state: State, platform: str, key: str) -> Any:
    # Library keys of follows: "spotify:artist:<id>" (Spotify), "artist:<id>" (Deezer) and
    # "artists:<id>" (TIDAL).
    if key.startswith(("spotify:artist:", "artist:", "artists:")):
        return state.catalog.artist(platform, key.rsplit(":", 1)[1])
    return None


def save_items(state: State, user: User, keys: list[str], now: float | None = None) -> None:
    """Add items to a library and count one save operation per item (even if already there)."""
    if now is None:
        now = state.clock.now()
    library = user.library
    record = state.stats.saved
    for key in keys:
        if key not in library:
            library[key] = now
            artist = _artist_of(state, user.platform, key)
            if artist is not None:
                artist.fans[user.platform] = artist.fans.get(user.platform, 0) + 1
        record(user.platform, user.id, key)


FAN_ACTS = ("save", "remove", "follow", "unfollow")
_ACT_TYPES: dict[str, tuple[str, ...]] = {
    "save": ("album", "track"),
    "remove": ("album", "track"),
    "follow": ("artist",),
    "unfollow": ("artist",),
}
APPLE_KINDS = {"album": "albums", "track": "songs"}


def _library_key(platform: str, kind: str, item_id: str) -> str:
    if platform == "spotify":
        return f"spotify:{kind}:{item_id}"
    if platform == "apple":
        return f"{APPLE_KINDS[kind]}:{item_id}"
    if platform == "tidal":
        return f"{kind}s:{item_id}"
    return f"{kind}:{item_id}"


@dataclass(slots=True)
class _FanAct:
    user: User
    act: str
    kind: str
    item: Any
    key: str
    at: float


def fan_acts(state: State, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Users acting on their own, outside any app: save or remove an album or track, follow
    or unfollow an artist, at ``at`` (emulated time; default now). All checked, then all
    applied in order: one bad act and none is applied.

    Not a save operation of any app, so not counted in the save stats (they count what a
    client did) but in ``fan_acts``. Saving an item not yet released in the user's market at
    that time is refused, as the platforms' own apps would.
    """
    planned = [_plan_fan_act(state, item) for item in items]
    return [_apply_fan_act(state, act) for act in planned]


def _plan_fan_act(state: State, data: dict[str, Any]) -> _FanAct:
    if not isinstance(data, dict):
        raise ActionError("each act is a JSON object")
    platform = str(data.get("platform", ""))
    user = state.user(platform, str(data.get("user_id", "")))
    if user is None:
        raise ActionError("unknown user (platform, user_id)")
    act = str(data.get("act", ""))
    if act not in FAN_ACTS:
        raise ActionError(f"act must be one of {', '.join(FAN_ACTS)}")
    kind = str(data.get("type", ""))
    if kind not in _ACT_TYPES[act]:
        raise ActionError(f"{act} takes type {' or '.join(_ACT_TYPES[act])}")
    if kind == "artist" and platform == "apple":
        raise ActionError("apple music has no artist follows")
    at_raw = data.get("at")
    at = state.clock.now() if at_raw is None else _instant(at_raw)
    catalog = state.catalog
    item: Any
    if data.get("key"):
        by_key: dict[str, Any] = (
            catalog.albums
            if kind == "album"
            else catalog.tracks
            if kind == "track"
            else catalog.artists
        )
        item = by_key.get(str(data["key"]))
    elif data.get("id"):
        by_id = {"album": catalog.album, "track": catalog.track, "artist": catalog.artist}[kind]
        item = by_id(platform, str(data["id"]))
    else:
        raise ActionError("give the item's catalog key or its platform id")
    if item is None:
        raise ActionError(f"unknown {kind}")
    if act == "save":
        visible = (
            catalog.album_visible(item, user.country, at)
            if kind == "album"
            else catalog.track_visible(item, user.country, at)
        )
        if not visible:
            raise ActionError(f"that {kind} is not released in {user.country} at that time")
    return _FanAct(user, act, kind, item, _library_key(platform, kind, item.ids[platform]), at)


def _apply_fan_act(state: State, a: _FanAct) -> dict[str, Any]:
    user, platform = a.user, a.user.platform
    adds = a.act in ("save", "follow")
    was_there = a.key in user.library
    if adds and not was_there:
        user.library[a.key] = a.at
        if a.kind == "artist":
            a.item.fans[platform] = a.item.fans.get(platform, 0) + 1
    elif not adds:
        remove_items(state, user, [a.key])
    state.stats.fan_act(a.act)
    return {
        "platform": platform,
        "user_id": user.id,
        "act": a.act,
        "type": a.kind,
        "key": a.key,
        "changed": was_there != adds,
        "at": iso(a.at),
    }


def _instant(value: Any) -> float:
    try:
        return parse_instant(value)
    except (TypeError, ValueError) as exc:
        raise ActionError(f"at: {exc}") from exc


def remove_items(state: State, user: User, keys: list[str]) -> None:
    library = user.library
    for key in keys:
        if library.pop(key, None) is not None:
            artist = _artist_of(state, user.platform, key)
            if artist is not None:
                artist.fans[user.platform] = max(0, artist.fans.get(user.platform, 0) - 1)


def login_session(state: State, platform: str, user: User) -> str:
    sid = ids.token("s", 18)
    state.sessions[sid] = (platform, user.id)
    return sid


def session_user(state: State, platform: str, sid: str | None) -> User | None:
    if not sid:
        return None
    found = state.sessions.get(sid)
    if found is None or found[0] != platform:
        return None
    return state.users.get(found)
