"""Deezer adapter: the connect flow (not standard OAuth: plain httpx), ``offline_access``
tokens, per-type library writes, UPC / ISRC lookups and the app's connection check.

Deezer reports most errors with HTTP 200 and ``{"error": {"code": …}}``; codes map to our tree.
The token travels in the query string, so no URL ever goes into a message.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
from django.conf import settings

from fanloop.platforms.adapter import OAuthHttpAdapter
from fanloop.platforms.base import (
    AlbumInfo,
    AppCredentials,
    Capability,
    ConnectionCheck,
    ItemRef,
    Pkce,
    Platform,
    Profile,
    ReleaseRef,
    Tokens,
    TrackRef,
    parse_day,
    released_since,
)
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    TransientError,
)
from fanloop.platforms.http import json_body, raise_for_common, transport_errors
from fanloop.platforms.info import (
    LISTEN_ID,
    PLAIN_HEADER,
    AppSetup,
    AudienceExport,
    CredentialField,
    FollowerCounts,
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

KEY = "deezer"
LABEL = "Deezer"

PERMS: dict[Capability, tuple[str, ...]] = {
    # offline_access: the token does not expire, so release day needs no refresh.
    Capability.SAVE: ("basic_access", "manage_library", "offline_access"),
    Capability.FOLLOW: ("manage_library",),
    Capability.VERIFY: (),  # basic_access already allows reading the library
}
QUOTA_BACKOFF_S = 5.0  # Deezer's window is 5 s and it sends no Retry-After
LIBRARY_PAGE = 100
ARTIST_ALBUM_PAGES = 10
CHECK_CODE = "fanloop-connection-check"  # never a valid code: only the app id and secret count


# Share links: https://www.deezer.com/[<lang>/]<kind>/<digits>.
SHARE_ID = re.compile(r"^[0-9]{1,20}$")
SHARE_LANG = re.compile(r"^[a-z]{2}(?:-[a-z]{2})?$", re.IGNORECASE)


def share_link(kind: str, item_id: str) -> str:
    return f"https://www.deezer.com/{kind}/{item_id}"


def parse_share_path(segments: list[str], kind: str) -> tuple[str, str]:
    """(id, canonical link) of a share link's path segments."""
    if segments and SHARE_LANG.match(segments[0]):
        segments = segments[1:]
    item_id = kind_path_id(segments, kind, SHARE_ID)
    return item_id, share_link(kind, item_id)


def perms_for(capabilities: frozenset[Capability]) -> list[str]:
    return sorted({perm for cap in capabilities | {Capability.SAVE} for perm in PERMS[cap]})


def raise_for_error_body(body: Any) -> None:
    """Deezer's HTTP-200 errors: 4 quota, 100 items limit, 200 permission, 300 token,
    500/501 parameter, 600 query, 700 busy, 800 no data."""
    if not isinstance(body, dict) or "error" not in body:
        return
    error = body["error"] if isinstance(body["error"], dict) else {}
    try:
        code = int(error.get("code", 0) or 0)
    except (TypeError, ValueError):
        code = 0
    message = f"Deezer: {error.get('message', 'error')} (code {code})"
    if code == 4:
        raise RateLimited(QUOTA_BACKOFF_S, "Deezer quota limit")
    if code == 700:
        raise TransientError(message)
    if code == 800:
        raise NotFound(message)
    if code == 300:
        raise AccessRevoked(message)
    if code == 200:
        raise PermissionDenied(message)
    if code in (100, 500, 501, 600):
        raise BadRequest(message)
    raise PlatformError(message)


class Deezer(OAuthHttpAdapter):
    key = KEY
    label = LABEL
    read_scopes = {"album": None, "track": None, "artist": None}  # basic_access reads

    @property
    def connect_url(self) -> str:
        return self.oauth_url

    # --- connect ----------------------------------------------------------
    def authorize_url(self, state: str, pkce: Pkce, capabilities: frozenset[Capability]) -> str:
        # Deezer's connect flow has no PKCE; the signed, single-use state protects it.
        query = {
            "app_id": self.app.client_id,
            "redirect_uri": self.app.redirect_uri,
            "perms": ",".join(perms_for(capabilities)),
            "state": state,
        }
        return f"{self.connect_url}/auth.php?{urlencode(query)}"

    def _access_token(self, code: str) -> dict[str, str]:
        """access_token.php: a token, or Deezer's complaint as {"error": message}."""
        params = {
            "app_id": self.app.client_id,
            "secret": self.app.client_secret,
            "code": code,
            "output": "json",
        }
        with transport_errors(self.label):
            response = self.http.get(f"{self.connect_url}/access_token.php", params=params)
        raise_for_common(response, self.label)
        body = json_body(response)
        if isinstance(body, dict):
            if "access_token" in body:
                expires = str(body.get("expires") or 0)
                return {"access_token": str(body["access_token"]), "expires": expires}
            error = body.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            return {"error": str(message or "refused")}
        # Without output=json (or when Deezer ignores it): "access_token=…&expires=…" or text.
        form = parse_qs(response.text)
        if "access_token" in form:
            return {
                "access_token": form["access_token"][0],
                "expires": form.get("expires", ["0"])[0],
            }
        return {"error": response.text.strip()[:100] or "refused"}

    def exchange_code(self, code: str, pkce: Pkce) -> Tokens:
        answer = self._access_token(code)
        if "error" in answer:
            raise _connect_error(answer["error"])
        try:
            expires = int(answer.get("expires") or 0)
        except ValueError:
            expires = 0
        return Tokens(
            access_token=answer["access_token"],
            # offline_access: expires 0, the token never expires.
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires) if expires else None,
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        """Deezer has no refresh: an offline_access token never expires; others must reconnect."""
        if tokens.expires_within(0):
            raise AccessRevoked("Deezer token expired and cannot be refreshed: reconnect")
        return tokens

    def test_connection(self) -> ConnectionCheck:
        """A cheap public call, then access_token.php with a dummy code to check app id and
        secret (Deezer names a wrong app id or secret apart from a wrong code)."""
        try:
            self._call("GET", "/infos")
        except NotFound:
            pass  # a Deezer error body still proves the API answers
        except RateLimited:
            return ConnectionCheck(False, "Deezer is rate limiting this app: try again shortly.")
        except TransientError as exc:
            return ConnectionCheck(False, f"Deezer could not be reached: {exc}. Try again.")
        except PlatformError:
            pass
        try:
            answer = self._access_token(CHECK_CODE)
        except PlatformError as exc:
            return ConnectionCheck(False, f"Deezer connect could not be reached: {exc}.")
        if "access_token" not in answer and _names_app(answer["error"]):
            return ConnectionCheck(
                False, "Deezer refused the app id or secret: copy them again from your Deezer app."
            )
        return ConnectionCheck(True, "Deezer answered and did not refuse the app id and secret.")

    # --- API --------------------------------------------------------------
    def _call(self, method: str, path: str, tokens: Tokens | None = None, **params: str) -> Any:
        if tokens:
            params["access_token"] = tokens.access_token
        with transport_errors(self.label):
            response = self.http.request(method, f"{self.api_url}{path}", params=params)
        raise_for_common(response, self.label)
        if response.status_code == 404:
            raise NotFound(f"Deezer: {path} not found", status=404)
        body = json_body(response)
        if body is None:
            raise TransientError(f"Deezer answered non-JSON ({response.status_code})")
        raise_for_error_body(body)
        return body

    def profile(self, tokens: Tokens) -> Profile:
        body = self._call("GET", "/user/me", tokens)
        return Profile(
            user_id=str(body["id"]),
            display_name=body.get("name", ""),
            country=body.get("country") or None,
            email=body.get("email"),  # only with the email perm, which we do not ask for
        )

    def lookup_release(self, upc: str, market: str) -> ReleaseRef | None:
        """Deezer has no market parameter: availability follows the caller's country."""
        # Deezer sometimes stores UPCs without their leading zeros: try both.
        candidates = [upc] + ([upc.lstrip("0")] if upc.startswith("0") else [])
        for candidate in candidates:
            try:
                album = self._call("GET", f"/album/upc:{candidate}")
            except NotFound:
                continue
            artists = album.get("contributors") or ([album["artist"]] if "artist" in album else [])
            return ReleaseRef(
                platform=self.key,
                album_id=str(album["id"]),
                title=album.get("title", ""),
                url=album.get("link", ""),
                track_ids=tuple(str(t["id"]) for t in (album.get("tracks") or {}).get("data", [])),
                artist_ids=tuple(dict.fromkeys(str(a["id"]) for a in artists)),
            )
        return None

    def lookup_track(self, isrc: str, market: str) -> TrackRef | None:
        try:
            track = self._call("GET", f"/track/isrc:{isrc}")
        except NotFound:
            return None
        album = track.get("album") or {}
        return TrackRef(
            platform=self.key,
            track_id=str(track["id"]),
            album_id=str(album["id"]) if album.get("id") else None,
            title=track.get("title", ""),
            url=track.get("link", ""),
        )

    def artist_followers(self, artist_id: str) -> int | None:
        """The artist's public fan count (``nb_fan`` of ``/artist/{id}``; no token needed)."""
        body = self._call("GET", f"/artist/{artist_id}")
        count = body.get("nb_fan")
        return int(count) if isinstance(count, int) and count >= 0 else None

    def artist_albums(self, artist_id: str, market: str, since: dt.date) -> list[AlbumInfo]:
        """``/artist/{id}/albums`` (paged), released on or after ``since``."""
        found: list[AlbumInfo] = []
        index = 0
        for _ in range(ARTIST_ALBUM_PAGES):
            body = self._call(
                "GET", f"/artist/{artist_id}/albums", index=str(index), limit=str(LIBRARY_PAGE)
            )
            page = body.get("data") or []
            for album in page:
                found.append(
                    AlbumInfo(
                        platform=self.key,
                        album_id=str(album["id"]),
                        title=str(album.get("title") or ""),
                        release_date=parse_day(album.get("release_date")),
                        upc=str(album.get("upc") or ""),
                        url=str(album.get("link") or ""),
                        album_type=str(album.get("record_type") or "album"),
                    )
                )
            if not body.get("next") or not page:
                break
            index += len(page)
        return released_since(found, since)

    # --- library ------------------------------------------------------------
    def write_calls(self, items: list[ItemRef]) -> int:
        return len(items)

    def save(self, tokens: Tokens, items: list[ItemRef]) -> None:
        # One write per item and type; following an artist is "saving" it.
        for item in items:
            self._call("POST", f"/user/me/{item.kind}s", tokens, **{f"{item.kind}_id": item.id})

    def contains(self, tokens: Tokens, items: list[ItemRef]) -> list[bool]:
        saved = {kind: self._all_ids(f"/user/me/{kind}s", tokens) for kind in _kinds(items)}
        return [item.id in saved[item.kind] for item in items]

    def _all_ids(self, path: str, tokens: Tokens) -> set[str]:
        ids: set[str] = set()
        index = 0
        while True:
            body = self._call("GET", path, tokens, index=str(index), limit=str(LIBRARY_PAGE))
            page = body.get("data") or []
            ids.update(str(entry["id"]) for entry in page)
            if not body.get("next") or not page:
                return ids
            index += len(page)


def _kinds(items: list[ItemRef]) -> list[str]:
    return list(dict.fromkeys(item.kind for item in items))


def _names_app(message: str) -> bool:
    lowered = message.lower()
    return "app_id" in lowered or "secret" in lowered


def _connect_error(message: str) -> PlatformError:
    if _names_app(message):
        return PermissionDenied("Deezer refused the app id or secret")
    return AccessRevoked("Deezer refused the code: the fan must connect again")


def _build(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return Deezer(app, settings.DEEZER_CONNECT_URL, settings.DEEZER_API_URL, client)


APP_ID = IdFormat(
    re.compile(r"^[0-9]{1,20}$"),
    "application id",
    "Enter the application id.",
    "A Deezer application id is a number (digits only, at most 20), as shown under "
    "My Apps on developers.deezer.com.",
)

APP_SETUP = AppSetup(
    fields=(
        CredentialField(
            "client_id",
            "Application ID",
            "The number shown under My Apps.",
            APP_ID.clean,
            max_length=40,
        ),
        client_secret("Secret Key", "Shown next to the application id.", "secret key"),
    ),
    steps=(
        'Open <a href="https://developers.deezer.com/myapps" rel="noopener">My Apps on Deezer '
        "for Developers</a>. Deezer has closed new app registration: this works for apps you "
        "already have.",
        "Set <em>Redirect URL after authentication</em> to the address below.",
        "Copy the <em>Application ID</em> and the <em>Secret Key</em>.",
    ),
    budget_per_30s=250,
)


INFO = PlatformInfo(
    key=KEY,
    label=LABEL,
    build=_build,
    scopes_for=perms_for,
    capability_scopes=PERMS,
    read_scopes=Deezer.read_scopes,
    chart_color="#a238ff",
    mark=Mark(
        "#a238ff",
        "#ffffff",
        mark_svg(
            '<path d="M2 15h4v4H2zM7 12h4v7H7zM12 9h4v10h-4zM17 5h4v14h-4z" fill="currentColor"/>'
        ),
    ),
    settings_url="https://www.deezer.com/account/apps",
    # The token answer names no permissions; the consent is all or nothing.
    grants_unnamed=True,
    share_links=ShareLinks(
        hosts=frozenset({"deezer.com", "www.deezer.com"}),
        short_hosts={
            "deezer.page.link": "deezer.com",
            "dzr.page.link": "deezer.com",
            "link.deezer.com": "deezer.com",
        },
        examples={
            "artist": "https://www.deezer.com/artist/123456",
            "album": "https://www.deezer.com/album/123456",
        },
        bare_id=SHARE_ID,
        parse=parse_share_path,
        canonical=share_link,
    ),
    listen=ListenService(
        KEY,
        LABEL,
        ("www.deezer.com", "deezer.com", "link.deezer.com"),
        (r"/(?:[a-z]{2}/)?(?:album|track|artist)/\d+", rf"/s/{LISTEN_ID}"),
    ),
    follower_counts=FollowerCounts(
        read_followers, False, "Deezer: the artist's public fan count (nb_fan)."
    ),
    app_setup=APP_SETUP,
    audience_exports=(
        AudienceExport(
            "deezer_for_creators", "Deezer for Creators", {**PLAIN_HEADER, "fans": "followers"}
        ),
    ),
)
