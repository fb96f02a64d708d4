"""Spotify adapter: OAuth (authorization code + PKCE S256, refresh, client credentials) through
Authlib, library writes and reads, UPC / ISRC lookups and the app's connection check.

Development-mode apps write and read through ``/me/library`` (≤ 40 URIs of any type per call:
an album and its artist go in one call); extended-mode apps use the legacy per-type endpoints
(≤ 50 ids per call). Catalog lookups use a client-credentials token cached until near expiry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.client import OAuth2Client
from django.conf import settings

from fanloop.platforms.adapter import OAuthHttpAdapter
from fanloop.platforms.base import (
    AlbumInfo,
    AppCredentials,
    AppMode,
    Capability,
    ConnectionCheck,
    ItemKind,
    ItemRef,
    Pkce,
    Platform,
    Profile,
    ReleaseRef,
    Tokens,
    TrackRef,
    chunks,
    parse_day,
)
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    TokenExpired,
    TransientError,
    for_status,
)
from fanloop.platforms.http import (
    json_body,
    json_object,
    raise_for_common,
    send,
    transport_errors,
)
from fanloop.platforms.info import (
    LISTEN_ID,
    PLAIN_HEADER,
    AppSetup,
    AudienceExport,
    CredentialField,
    DevelopmentMode,
    FollowerCounts,
    InAppPresave,
    ListenService,
    Mark,
    PlatformInfo,
    ShareLinks,
    client_secret,
    kind_path_id,
    mark_svg,
    read_followers,
)
from fanloop.platforms.validators import IdFormat

KEY = "spotify"
LABEL = "Spotify"
LIBRARY_BATCH = 40
LEGACY_BATCH = 50
SEARCH_LIMIT = 5  # development-mode apps may ask for at most 10
TEXT_ERROR_CHARS = 200  # a bare-text error body is quoted up to this length
ARTIST_ALBUM_PAGES = 10
APP_TOKEN_MARGIN_S = 60.0
LEGACY_CONTAINS: dict[str, tuple[str, dict[str, str]]] = {
    "album": ("/me/albums/contains", {}),
    "track": ("/me/tracks/contains", {}),
    "artist": ("/me/following/contains", {"type": "artist"}),
}

# Client-credentials tokens per (accounts URL, client id, secret digest): (token, expires epoch).
_app_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_app_tokens_lock = threading.Lock()


# Development mode since February/March 2026 (Spotify's migration guide): an app serves at most
# five accounts, each added by email in the Developer Dashboard; any other account completes
# the consent screen, then gets 403 "User not registered in the Developer Dashboard".
DEV_MODE_ACCOUNTS = 5
# Spotify's redirect URI rules (developer.spotify.com, "Redirect URIs"): https, or plain http
# only for the loopback IP literals; localhost is refused.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})  # urlsplit().hostname drops the brackets


def redirect_uri_refusal(uri: str) -> str:
    """Why Spotify would refuse ``uri`` as a redirect URI, or "" when it accepts it."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "it is not a valid address."
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "it is not an http(s) address with a host."
    if host == "localhost" or host.endswith(".localhost"):
        return (
            "Spotify refuses localhost: set SITE_URL to http://127.0.0.1:PORT (or https "
            "with your domain)."
        )
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return (
            "Spotify accepts plain http only for 127.0.0.1 and [::1]: set SITE_URL to your "
            "https address."
        )
    return ""


# A Countdown Page (Spotify for Artists' in-app pre-save for an upcoming album or EP) is
# shared as https://open.spotify.com/prerelease/<22-character base62 id>, with an optional
# ``/intl-xx`` locale segment and ``?si=`` share parameter (links as Spotify's share menu
# gives them; the format is not documented): kept as the canonical link without either.
COUNTDOWN_PAGE = re.compile(
    r"^https://open\.spotify\.com/(?:intl-[a-z]{2}(?:-[a-z]{2})?/)?prerelease/"
    r"([0-9A-Za-z]{22})/?(?:\?[^#\s]*)?$"
)


# How the release form names the link and shows its form.
COUNTDOWN_PAGE_LABEL = "Spotify Countdown Page link"
COUNTDOWN_PAGE_EXAMPLE = "https://open.spotify.com/prerelease/…"
COUNTDOWN_PAGE_HELP = (
    "Optional, if Spotify for Artists gave your album or EP one: the page then offers "
    "“Pre-save inside the Spotify app” beside the email reminder."
)


def countdown_page_link(value: str) -> str:
    """The canonical Countdown Page link of ``value``; ValueError says what is wrong."""
    found = COUNTDOWN_PAGE.match(value.strip())
    if found is None:
        raise ValueError(
            "Paste the Countdown Page link from Spotify's share menu: "
            "https://open.spotify.com/prerelease/ followed by 22 letters and digits."
        )
    return f"https://open.spotify.com/prerelease/{found.group(1)}"


# The scopes each capability needs of a grant (a connect asks for these, see scopes_for).
SCOPES: dict[Capability, tuple[str, ...]] = {
    Capability.SAVE: ("user-library-modify",),
    Capability.FOLLOW: ("user-follow-modify",),
    Capability.VERIFY: ("user-library-read",),
}
# Refresh tokens stop working this long after the original authorization (6 months).
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=182)

# Share links: https://open.spotify.com/[intl-xx/][embed/]<kind>/<22-character id>.
SHARE_ID = re.compile(r"^[0-9A-Za-z]{22}$")
SHARE_LOCALE = re.compile(r"^intl-[a-z]{2}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)


def share_link(kind: str, item_id: str) -> str:
    return f"https://open.spotify.com/{kind}/{item_id}"


def parse_share_path(segments: list[str], kind: str) -> tuple[str, str]:
    """(id, canonical link) of a share link's path segments."""
    if segments and segments[0].lower() == "embed":
        segments = segments[1:]
    if segments and SHARE_LOCALE.match(segments[0]):
        segments = segments[1:]
    item_id = kind_path_id(segments, kind, SHARE_ID)
    return item_id, share_link(kind, item_id)


def scopes_for(capabilities: frozenset[Capability]) -> list[str]:
    """The narrowest Spotify scopes for what the fan agreed to, in a stable order.

    Reads are asked for only with VERIFY, and the follow-read scope only when the fan also
    agreed to follow.
    """
    wanted: set[str] = set()
    if Capability.SAVE in capabilities:
        wanted.add("user-library-modify")
    if Capability.FOLLOW in capabilities:
        wanted.add("user-follow-modify")
    if Capability.VERIFY in capabilities:
        wanted.add("user-library-read")
        if Capability.FOLLOW in capabilities:
            wanted.add("user-follow-read")
    return sorted(wanted)


def uri(item: ItemRef) -> str:
    return f"spotify:{item.kind}:{item.id}"


class Spotify(OAuthHttpAdapter):
    key = KEY
    label = LABEL
    read_scopes = {
        "album": "user-library-read",
        "track": "user-library-read",
        "artist": "user-follow-read",
    }

    @property
    def accounts_url(self) -> str:
        return self.oauth_url

    # --- OAuth (Authlib) --------------------------------------------------
    @property
    def token_url(self) -> str:
        return f"{self.accounts_url}/api/token"

    def _oauth(self) -> Any:
        """Authlib's OAuth 2 client over our pooled httpx client.

        Authlib keeps the token it fetched on the client object, so one is built per token
        request: one shared across threads could hand a fan another fan's token.
        """
        oauth = OAuth2Client(
            session=self.http,
            client_id=self.app.client_id,
            client_secret=self.app.client_secret or None,
            redirect_uri=self.app.redirect_uri,
        )
        for hook in ("access_token_response", "refresh_token_response"):
            oauth.register_compliance_hook(hook, self._check_token_response)
        return oauth

    def _check_token_response(self, response: httpx.Response) -> httpx.Response:
        raise_for_common(response, self.label)  # 429 and 5xx before Authlib reads the body
        return response

    def _client_auth(self) -> httpx.Auth:
        # A confidential client proves its secret (Basic); a public one relies on PKCE and
        # sends client_id in the body, which every token request here does anyway.
        if self.app.client_secret:
            return httpx.BasicAuth(self.app.client_id, self.app.client_secret)
        return httpx.Auth()

    def authorize_url(self, state: str, pkce: Pkce, capabilities: frozenset[Capability]) -> str:
        url, _state = self._oauth().create_authorization_url(
            f"{self.accounts_url}/authorize",
            state=state,
            scope=scopes_for(capabilities),
            code_challenge=pkce.challenge,
            code_challenge_method="S256",
        )
        return str(url)

    def exchange_code(self, code: str, pkce: Pkce) -> Tokens:
        return self._token_request(
            lambda oauth: oauth.fetch_token(
                self.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=pkce.verifier,
                redirect_uri=self.app.redirect_uri,
                client_id=self.app.client_id,
                auth=self._client_auth(),
            ),
            previous=None,
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        """A new access token; Spotify may omit refresh_token, then the old one stays."""
        refresh_token = tokens.refresh_token
        if not refresh_token:
            raise AccessRevoked("no refresh token: the fan must reconnect")
        return self._token_request(
            lambda oauth: oauth.refresh_token(
                self.token_url,
                refresh_token=refresh_token,
                client_id=self.app.client_id,
                auth=self._client_auth(),
            ),
            previous=tokens,
        )

    def _client_credentials(self) -> Tokens:
        if not self.app.client_secret:
            raise PermissionDenied("Spotify: catalog lookups need the app's client secret")
        return self._token_request(
            lambda oauth: oauth.fetch_token(
                self.token_url, grant_type="client_credentials", auth=self._client_auth()
            ),
            previous=None,
        )

    def _token_request(self, fetch: Callable[[Any], Any], previous: Tokens | None) -> Tokens:
        try:
            with transport_errors(self.label):
                token = fetch(self._oauth())
        except OAuth2Error as exc:
            raise _token_error(str(exc.error or ""), str(exc.description or "")) from None
        except (httpx.HTTPStatusError, ValueError):
            # Not an OAuth error body (or one Authlib refuses to read): never retry blindly.
            raise BadRequest("Spotify token endpoint: unreadable answer") from None
        expires_at = token.get("expires_at")
        scope = token.get("scope")
        refresh_token = token.get("refresh_token")
        if previous is not None:  # a refresh may omit both: keep what we had
            refresh_token = refresh_token or previous.refresh_token
            scope = scope or " ".join(sorted(previous.scopes))
        return Tokens(
            access_token=str(token["access_token"]),
            refresh_token=str(refresh_token) if refresh_token else None,
            expires_at=dt.datetime.fromtimestamp(expires_at, dt.UTC) if expires_at else None,
            scopes=frozenset(str(scope or "").split()),
        )

    # --- app token for catalog reads ----------------------------------------
    def _app_token_key(self) -> tuple[str, str, str]:
        digest = hashlib.sha256(self.app.client_secret.encode()).hexdigest()
        return (self.accounts_url, self.app.client_id, digest)

    def app_token(self) -> Tokens:
        """Client-credentials token for catalog reads, cached until a minute before expiry."""
        key = self._app_token_key()
        with _app_tokens_lock:
            hit = _app_tokens.get(key)
        if hit is not None and hit[1] - time.time() > APP_TOKEN_MARGIN_S:
            return Tokens(hit[0], expires_at=dt.datetime.fromtimestamp(hit[1], dt.UTC))
        tokens = self._client_credentials()
        expires = tokens.expires_at.timestamp() if tokens.expires_at else time.time() + 3600
        with _app_tokens_lock:
            _app_tokens[key] = (tokens.access_token, expires)
        return tokens

    def _forget_app_token(self, tokens: Tokens) -> None:
        key = self._app_token_key()
        with _app_tokens_lock:
            hit = _app_tokens.get(key)
            if hit is not None and hit[0] == tokens.access_token:
                del _app_tokens[key]

    def _catalog(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        tokens = self.app_token()
        try:
            return self._call("GET", path, tokens, params)
        except TokenExpired:  # expired or revoked early: one fresh token, one retry
            self._forget_app_token(tokens)
            return self._call("GET", path, self.app_token(), params)

    def test_connection(self) -> ConnectionCheck:
        """Ask for a client-credentials token: proves the client id and secret."""
        try:
            self._client_credentials()
        except PermissionDenied as exc:
            return ConnectionCheck(False, str(exc))
        except RateLimited as exc:
            return ConnectionCheck(
                False, f"Spotify is rate limiting this app: try again in {exc.retry_after:g}s."
            )
        except TransientError as exc:
            return ConnectionCheck(False, f"Spotify could not be reached: {exc}. Try again.")
        except PlatformError as exc:
            return ConnectionCheck(False, f"Spotify refused the check: {exc}")
        return ConnectionCheck(
            True, f"Spotify accepted the client id and secret ({self.app.mode.value} mode)."
        )

    # --- Web API ----------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        tokens: Tokens,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = self.url(path, params)
        headers = [("Authorization", f"Bearer {tokens.access_token}")]
        with transport_errors(self.label):
            response = send(self.http, method, url, headers)
        raise_for_common(response, self.label)
        status = response.status_code
        if status < 300:
            return response
        message = f"Spotify: {_error_message(response)}"
        if status == 401:
            raise TokenExpired(message, status=401)
        raise for_status(message, status)

    def profile(self, tokens: Tokens) -> Profile:
        # Development-mode apps lose email and country (Feb 2026): both may be None.
        body = json_object(self._call("GET", "/me", tokens))
        return Profile(
            user_id=str(body["id"]),
            display_name=body.get("display_name") or "",
            country=body.get("country"),
            email=body.get("email"),
        )

    def lookup_release(self, upc: str, market: str) -> ReleaseRef | None:
        """The album with this UPC as released in ``market`` now, or None (not there yet)."""
        params = {"q": f"upc:{upc}", "type": "album", "market": market, "limit": str(SEARCH_LIMIT)}
        albums = json_object(self._catalog("/search", params)).get("albums") or {}
        items = albums.get("items") or []
        if not items:
            return None
        album_id = str(items[0]["id"])
        try:
            album = json_object(self._catalog(f"/albums/{album_id}", {"market": market}))
        except NotFound:
            return None  # went away between the two calls
        return ReleaseRef(
            platform=self.key,
            album_id=album_id,
            title=album.get("name", ""),
            url=(album.get("external_urls") or {}).get("spotify", ""),
            track_ids=self._album_track_ids(album, market),
            artist_ids=tuple(str(a["id"]) for a in album.get("artists") or []),
        )

    def _album_track_ids(self, album: dict[str, Any], market: str) -> tuple[str, ...]:
        page = album.get("tracks") or {}
        ids = [str(t["id"]) for t in page.get("items") or []]
        while page.get("next"):  # albums of more than 50 tracks: /albums/{id}/tracks pages
            page = json_object(self._catalog(str(page["next"])))
            ids.extend(str(t["id"]) for t in page.get("items") or [])
        return tuple(ids)

    def lookup_track(self, isrc: str, market: str) -> TrackRef | None:
        params = {
            "q": f"isrc:{isrc}",
            "type": "track",
            "market": market,
            "limit": str(SEARCH_LIMIT),
        }
        tracks = json_object(self._catalog("/search", params)).get("tracks") or {}
        items = tracks.get("items") or []
        if not items:
            return None
        track = items[0]
        album = track.get("album") or {}
        return TrackRef(
            platform=self.key,
            track_id=str(track["id"]),
            album_id=str(album["id"]) if album.get("id") else None,
            title=track.get("name", ""),
            url=(track.get("external_urls") or {}).get("spotify", ""),
        )

    def artist_followers(self, artist_id: str) -> int | None:
        """``followers.total`` of ``/artists/{id}``: present for extended-quota apps only
        (development mode dropped the field in February 2026), else None."""
        body = json_object(self._catalog(f"/artists/{artist_id}"))
        total = (body.get("followers") or {}).get("total")
        return int(total) if isinstance(total, int) and total >= 0 else None

    def artist_albums(self, artist_id: str, market: str, since: dt.date) -> list[AlbumInfo]:
        """The artist's albums and singles released on or after ``since``, with their UPC.

        Pages through ``/artists/{id}/albums`` (at most ``ARTIST_ALBUM_PAGES`` pages), then
        reads each recent album for its UPC.
        """
        limit = "10" if self.app.mode == AppMode.DEVELOPMENT else "50"
        params = {"include_groups": "album,single", "market": market, "limit": limit}
        page = json_object(self._catalog(f"/artists/{artist_id}/albums", params))
        recent: list[dict[str, Any]] = []
        for _ in range(ARTIST_ALBUM_PAGES):
            for album in page.get("items") or []:
                day = parse_day(album.get("release_date"))
                if day is not None and day >= since:
                    recent.append(album)
            if not page.get("next"):
                break
            page = json_object(self._catalog(str(page["next"])))
        found: list[AlbumInfo] = []
        for album in recent:
            album_id = str(album["id"])
            try:
                full = json_object(self._catalog(f"/albums/{album_id}", {"market": market}))
            except NotFound:
                continue
            found.append(
                AlbumInfo(
                    platform=self.key,
                    album_id=album_id,
                    title=str(full.get("name") or album.get("name") or ""),
                    release_date=parse_day(full.get("release_date")),
                    upc=str((full.get("external_ids") or {}).get("upc") or ""),
                    url=(full.get("external_urls") or {}).get("spotify", ""),
                    album_type=str(full.get("album_type") or "album"),
                )
            )
        return found

    # --- library ------------------------------------------------------------
    def write_calls(self, items: list[ItemRef]) -> int:
        if self.app.mode != AppMode.EXTENDED:
            return math.ceil(len(items) / LIBRARY_BATCH)
        return sum(math.ceil(len(ids) / LEGACY_BATCH) for ids in _by_kind(items).values())

    def read_calls(self, items: list[ItemRef]) -> int:
        if self.app.mode != AppMode.EXTENDED:
            return math.ceil(len(items) / LIBRARY_BATCH)
        return super().read_calls(items)

    def save(self, tokens: Tokens, items: list[ItemRef]) -> None:
        if self.app.mode == AppMode.EXTENDED:
            self._legacy_save(tokens, items)
            return
        for chunk in chunks([uri(item) for item in items], LIBRARY_BATCH):
            self._call("PUT", "/me/library", tokens, {"uris": ",".join(chunk)})

    def _legacy_save(self, tokens: Tokens, items: list[ItemRef]) -> None:
        for kind, ids in _by_kind(items).items():
            for chunk in chunks(ids, LEGACY_BATCH):
                if kind == "artist":
                    params = {"type": "artist", "ids": ",".join(chunk)}
                    self._call("PUT", "/me/following", tokens, params)
                else:
                    self._call("PUT", f"/me/{kind}s", tokens, {"ids": ",".join(chunk)})

    def contains(self, tokens: Tokens, items: list[ItemRef]) -> list[bool]:
        if self.app.mode == AppMode.EXTENDED:
            return self._legacy_contains(tokens, items)
        result: list[bool] = []
        for chunk in chunks(items, LIBRARY_BATCH):
            params = {"uris": ",".join(uri(i) for i in chunk)}
            result.extend(_flags(self._call("GET", "/me/library/contains", tokens, params)))
        return result

    def _legacy_contains(self, tokens: Tokens, items: list[ItemRef]) -> list[bool]:
        found: dict[ItemRef, bool] = {}
        for kind, ids in _by_kind(items).items():
            path, extra = LEGACY_CONTAINS[kind]
            for chunk in chunks(ids, LEGACY_BATCH):
                params = {**extra, "ids": ",".join(chunk)}
                flags = _flags(self._call("GET", path, tokens, params))
                found.update(zip((ItemRef(kind, i) for i in chunk), flags, strict=True))
        return [found[item] for item in items]


def _by_kind(items: list[ItemRef]) -> dict[ItemKind, list[str]]:
    by_kind: dict[ItemKind, list[str]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item.id)
    return by_kind


def _flags(response: httpx.Response) -> list[bool]:
    body = json_body(response)
    if not isinstance(body, list):
        raise TransientError("Spotify: contains answered something other than a list")
    return [bool(flag) for flag in body]


def _token_error(error: str, description: str) -> PlatformError:
    detail = f"{error}: {description}" if description else error or "refused"
    if error == "invalid_grant":
        return AccessRevoked(f"Spotify refused the grant ({detail}): reconnect", status=400)
    if error == "invalid_client":
        if "secret" in description.lower():
            return PermissionDenied(
                "Spotify refused the client secret: copy it again from the Spotify "
                "developer dashboard.",
                status=400,
            )
        return PermissionDenied(
            "Spotify does not know this client id: check it in the Spotify developer dashboard.",
            status=400,
        )
    return BadRequest(f"Spotify token endpoint: {detail}", status=400)


def _error_message(response: httpx.Response) -> str:
    error = json_object(response).get("error")
    if isinstance(error, dict):
        return str(error.get("message") or response.reason_phrase)
    if error:
        return str(error)
    # Some refusals are bare text ("User not registered in the Developer Dashboard").
    text = response.text.strip() if "text/" in response.headers.get("content-type", "") else ""
    return text[:TEXT_ERROR_CHARS] or response.reason_phrase


def _build(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return Spotify(app, settings.SPOTIFY_ACCOUNTS_URL, settings.SPOTIFY_API_URL, client)


# Spotify shows client ids as 32 lowercase hex characters in its Developer Dashboard.
CLIENT_ID = IdFormat(
    re.compile(r"^[0-9a-f]{32}$"),
    "client id",
    "Enter the app's client id.",
    "A Spotify client id is 32 characters, digits 0 to 9 and letters a to f, as shown on "
    "your app's page in the Spotify Developer Dashboard.",
)
# Users a development-mode app serves (February to March 2026).
DEV_MODE_USER_CAP = 5

APP_SETUP = AppSetup(
    fields=(
        CredentialField(
            "client_id",
            "Client ID",
            "32 characters, shown on your app's page in the dashboard.",
            CLIENT_ID.clean,
        ),
        client_secret(
            "Client secret", "Click “View client secret” on your app's page.", "client secret"
        ),
    ),
    steps=(
        'Open the <a href="https://developer.spotify.com/dashboard" rel="noopener">Spotify '
        "Developer Dashboard</a> and create an app (or open yours); tick “Web API”.",
        "Under <em>Redirect URIs</em>, add the address below, exactly.",
        "Copy the <em>Client ID</em>, then click “View client secret” and copy the "
        "<em>Client secret</em>.",
    ),
    note=(
        "New apps start in development mode: since 2026 Spotify allows them {user_cap} users. "
        "fanloop counts the fans connected through each app and, once it is full, offers new "
        "fans an email reminder on release day instead of a login that would fail. Add several "
        "apps to take more fans."
    ),
    budget_per_30s=150,
    development=DevelopmentMode(
        user_cap=DEV_MODE_USER_CAP,
        mode_help=(
            "As shown in the Spotify Developer Dashboard. Extended quota needs Spotify's "
            "approval (a registered business with at least 250k monthly active users)."
        ),
        allow_list_help=(
            "The emails you added under User Management in the Spotify Developer Dashboard, "
            f"one per line (at most {DEV_MODE_ACCOUNTS}, yours included). Only they can "
            "connect; every other fan is offered the email reminder."
        ),
    ),
)


INFO = PlatformInfo(
    key=KEY,
    label=LABEL,
    build=_build,
    scopes_for=scopes_for,
    capability_scopes=SCOPES,
    read_scopes=Spotify.read_scopes,
    chart_color="#1db954",
    mark=Mark(
        "#1ed760",
        "#000000",
        mark_svg(
            '<circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M6.5 9.3c3.8-1.1 '
            "8.2-.7 11.2 1.1M7.2 12.6c3.1-.8 6.6-.5 9.2 1M7.9 15.8c2.4-.6 5-.4 7 .8"
            '" fill="none" stroke="#1ed760" stroke-width="1.7" stroke-linecap="round"/>'
        ),
    ),
    settings_url="https://www.spotify.com/account/apps/",
    refresh_token_lifetime=REFRESH_TOKEN_LIFETIME,
    share_links=ShareLinks(
        hosts=frozenset({"open.spotify.com", "play.spotify.com"}),
        short_hosts={"spotify.link": "open.spotify.com", "spotify.app.link": "open.spotify.com"},
        examples={
            "artist": "https://open.spotify.com/artist/…",
            "album": "https://open.spotify.com/album/…",
        },
        bare_id=SHARE_ID,
        parse=parse_share_path,
        canonical=share_link,
        uri_scheme="spotify",
    ),
    listen=ListenService(
        KEY,
        LABEL,
        ("open.spotify.com",),
        (rf"/(?:intl-[a-z]{{2}}/)?(?:album|track|artist)/{LISTEN_ID}",),
    ),
    allow_list=DEV_MODE_ACCOUNTS,
    redirect_uri_refusal=redirect_uri_refusal,
    in_app_presave=InAppPresave(
        countdown_page_link, COUNTDOWN_PAGE_LABEL, COUNTDOWN_PAGE_EXAMPLE, COUNTDOWN_PAGE_HELP
    ),
    follower_counts=FollowerCounts(
        read_followers,
        True,
        "Spotify: followers.total, only for extended-quota apps; in development mode "
        "the field is not there, so no snapshot is taken.",
    ),
    app_setup=APP_SETUP,
    audience_exports=(
        AudienceExport(
            "spotify_for_artists", "Spotify for Artists (audience timeline)", {**PLAIN_HEADER}
        ),
    ),
)
