"""TIDAL adapter: OAuth 2.1 authorization code with PKCE (``login.tidal.com`` /
``auth.tidal.com``), the JSON:API at ``openapi.tidal.com/v2`` (``application/vnd.api+json``):
UPC / ISRC lookups with an app (client-credentials) token, collection writes with an
``Idempotency-Key`` and reads through cursor pages, and the app's connection check.

A write answers 200 with what it added and what it skipped (``ALREADY_PRESENT`` counts as
saved, ``NOT_FOUND`` does not); 409 ``DUPLICATE_ITEMS_IN_COLLECTION`` also means "already
there"; a retried write sends the same key, so a write that landed is not repeated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings

from fanloop.platforms.adapter import HttpAdapter
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
    chunks,
    parse_day,
    released_since,
)
from fanloop.platforms.errors import (
    AccessRevoked,
    BadRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    TokenExpired,
    for_status,
)
from fanloop.platforms.http import json_object, raise_for_common, transport_errors
from fanloop.platforms.info import (
    AppSetup,
    CredentialField,
    IdParser,
    ListenService,
    Mark,
    PlatformInfo,
    client_secret,
    mark_svg,
)
from fanloop.platforms.validators import IdFormat

KEY = "tidal"
LABEL = "TIDAL"
LOGIN_URL = "https://login.tidal.com"
AUTH_URL = "https://auth.tidal.com/v1/oauth2"
API_URL = "https://openapi.tidal.com/v2"
# Under an emulator base URL, the same three services live at these paths.
EMULATOR_PATHS = ("/tidal/login", "/tidal/auth/v1/oauth2", "/tidal/v2")
JSONAPI = "application/vnd.api+json"
WRITE_BATCH = 50  # the add/remove payloads' maxItems
READ_PAGES = 50  # at most this many collection pages read back per kind (20 items each)
ARTIST_ALBUM_PAGES = 10  # at most this many pages of an artist's albums
APP_TOKEN_MARGIN_S = 60.0
ERROR_CHARS = 200
# A write's Idempotency-Key is the same for the same fan, items and window: a retry in doubt
# within it replays the first answer; a later attempt (say, once the release is out in the
# fan's country) is a new request. Adds are harmless to repeat anyway (ALREADY_PRESENT).
IDEMPOTENCY_WINDOW_S = 300
SCOPES: dict[Capability, tuple[str, ...]] = {
    Capability.SAVE: ("collection.write", "user.read"),
    Capability.FOLLOW: ("collection.write",),
    Capability.VERIFY: ("collection.read",),
}
COLLECTIONS = {
    "album": ("userCollectionAlbums", "albums"),
    "track": ("userCollectionTracks", "tracks"),
    "artist": ("userCollectionArtists", "artists"),
}
# Listen links: https://tidal.com/album/<id> (also /browse/album/<id>, listen.tidal.com).
LINK = re.compile(
    r"^https://(?:listen\.|www\.)?tidal\.com/(?:browse/)?(album|track|artist)/([0-9]+)/?"
    r"(?:[?#].*)?$"
)

_app_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_app_tokens_lock = threading.Lock()


def urls(emulator_url: str) -> tuple[str, str, str]:
    """(login, token service, API) base URLs: TIDAL's, or the emulator's under its URL."""
    if not emulator_url:
        return LOGIN_URL, AUTH_URL, API_URL
    base = emulator_url.rstrip("/")
    login, auth, api = EMULATOR_PATHS
    return f"{base}{login}", f"{base}{auth}", f"{base}{api}"


def scopes_for(capabilities: frozenset[Capability]) -> list[str]:
    """The narrowest TIDAL scopes for what the fan agreed to (saving always)."""
    return sorted({s for cap in capabilities | {Capability.SAVE} for s in SCOPES[cap]})


def listen_link(kind: str, item_id: str) -> str:
    """The public TIDAL link of an album, track or artist."""
    return f"https://tidal.com/{kind}/{item_id}"


def parse_link(value: str) -> tuple[str, str]:
    """(kind, id) of a pasted TIDAL link; ValueError says what is wrong."""
    found = LINK.match(value.strip())
    if found is None:
        raise ValueError(
            "Paste a TIDAL link such as https://tidal.com/album/123456 (album, track or artist)."
        )
    return found.group(1), found.group(2)


ID = re.compile(r"^[0-9]{1,20}$")
KIND_WORDS = {"album": "an album", "artist": "an artist", "track": "a track"}
LINK_EXAMPLES = {"artist": "https://tidal.com/artist/…", "album": "https://tidal.com/album/…"}


def parse_ref(value: str, kind: str, *, bare: bool) -> tuple[str, str]:
    """(id, canonical link) of a pasted TIDAL link of ``kind`` (or, when ``bare``, a bare
    id); ValueError says what is wrong."""
    text = value.strip()
    if bare and ID.match(text):
        return text, listen_link(kind, text)
    if "://" not in text:
        text = f"https://{text}"  # people paste "tidal.com/…" without a scheme
    found_kind, found_id = parse_link(text)
    if found_kind != kind:
        raise ValueError(
            f"This TIDAL link is for {KIND_WORDS[found_kind]}, but this field needs "
            f"{KIND_WORDS[kind]} link ({LINK_EXAMPLES.get(kind, listen_link(kind, '…'))})."
        )
    return found_id, listen_link(kind, found_id)


class Tidal(HttpAdapter):
    key = KEY
    label = LABEL
    read_scopes = {
        "album": "collection.read",
        "track": "collection.read",
        "artist": "collection.read",
    }

    def __init__(
        self,
        app: AppCredentials,
        login_url: str,
        auth_url: str,
        api_url: str,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(app, api_url, client)
        self.login_url = login_url.rstrip("/")
        self.auth_url = auth_url.rstrip("/")

    # --- OAuth --------------------------------------------------------------
    def authorize_url(self, state: str, pkce: Pkce, capabilities: frozenset[Capability]) -> str:
        query = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": self.app.redirect_uri,
            "scope": " ".join(scopes_for(capabilities)),
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
            "state": state,
        }
        return f"{self.login_url}/authorize?{urlencode(query)}"

    def _token(self, form: dict[str, str], previous: Tokens | None = None) -> Tokens:
        auth: httpx.Auth = httpx.Auth()  # a public client: client_id in the form, PKCE
        if form.get("grant_type") == "client_credentials":
            auth = httpx.BasicAuth(self.app.client_id, self.app.client_secret)
        else:
            form = {**form, "client_id": self.app.client_id}
        with transport_errors(self.label):
            response = self.http.post(f"{self.auth_url}/token", data=form, auth=auth)
        raise_for_common(response, self.label)
        body = json_object(response)
        if response.status_code != 200 or "access_token" not in body:
            raise _token_error(str(body.get("error") or ""), response.status_code)
        expires_in = body.get("expires_in")
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        scope = body.get("scope") or (" ".join(sorted(previous.scopes)) if previous else "")
        return Tokens(
            access_token=str(body["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_at=(
                dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(expires_in))
                if expires_in
                else None
            ),
            scopes=frozenset(str(scope).split()),
        )

    def exchange_code(self, code: str, pkce: Pkce) -> Tokens:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.app.redirect_uri,
                "code_verifier": pkce.verifier,
            }
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise AccessRevoked("TIDAL: no refresh token: the fan must reconnect")
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        return self._token(form, previous=tokens)

    def app_token(self) -> Tokens:
        """Client-credentials token for catalog reads, cached until a minute before expiry."""
        digest = hashlib.sha256(self.app.client_secret.encode()).hexdigest()
        key = (self.auth_url, self.app.client_id, digest)
        with _app_tokens_lock:
            hit = _app_tokens.get(key)
        if hit is not None and hit[1] - time.time() > APP_TOKEN_MARGIN_S:
            return Tokens(hit[0])
        if not self.app.client_secret:
            raise PermissionDenied("TIDAL: catalog lookups need the app's client secret")
        tokens = self._token({"grant_type": "client_credentials"})
        expires = tokens.expires_at.timestamp() if tokens.expires_at else time.time() + 3600
        with _app_tokens_lock:
            _app_tokens[key] = (tokens.access_token, expires)
        return tokens

    def test_connection(self) -> ConnectionCheck:
        try:
            tokens = self.app_token()
            self._call("GET", "/albums", tokens, params={"filter[barcodeId]": "000000000000"})
        except PermissionDenied as exc:
            return ConnectionCheck(False, f"{exc}: copy the client id and secret again.")
        except PlatformError as exc:
            return ConnectionCheck(False, f"TIDAL could not be reached: {exc}. Try again.")
        return ConnectionCheck(True, "TIDAL accepted the client id and secret.")

    # --- API ------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        tokens: Tokens,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {tokens.access_token}", "Accept": JSONAPI}
        content = None
        if body is not None:
            headers["Content-Type"] = JSONAPI
            content = httpx.Request("POST", "http://x", json=body).content
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = path if path.startswith("http") else f"{self.api_url}{path}"
        with transport_errors(self.label):
            response = self.http.request(
                method, url, params=params, headers=headers, content=content
            )
        raise_for_common(response, self.label)
        answer = json_object(response)
        if response.status_code == 401:
            raise TokenExpired(f"TIDAL: {_message(answer, response)}", status=401)
        if response.status_code == 409 and _codes(answer) == {"DUPLICATE_ITEMS_IN_COLLECTION"}:
            return {"data": [], "meta": {"skipped": []}}  # already there: saved
        if response.status_code >= 400:
            message = f"TIDAL: {_message(answer, response)}"
            if response.status_code in (409, 415, 422):
                raise BadRequest(message, status=response.status_code)
            raise for_status(message, response.status_code)
        return answer

    def profile(self, tokens: Tokens) -> Profile:
        data = self._call("GET", "/users/me", tokens).get("data") or {}
        attributes = data.get("attributes") or {}
        return Profile(
            user_id=str(data["id"]),
            display_name=str(attributes.get("username") or ""),
            country=attributes.get("country") or None,
            email=attributes.get("email"),
        )

    def lookup_release(self, upc: str, market: str) -> ReleaseRef | None:
        params = {"filter[barcodeId]": upc, "countryCode": market, "include": "artists"}
        found = self._call("GET", "/albums", self.app_token(), params=params).get("data") or []
        if not found:
            return None
        album = found[0]
        artists = ((album.get("relationships") or {}).get("artists") or {}).get("data") or []
        return ReleaseRef(
            platform=self.key,
            album_id=str(album["id"]),
            title=str((album.get("attributes") or {}).get("title") or ""),
            url=listen_link("album", str(album["id"])),
            artist_ids=tuple(str(a["id"]) for a in artists),
        )

    def lookup_track(self, isrc: str, market: str) -> TrackRef | None:
        params = {"filter[isrc]": isrc, "countryCode": market}
        found = self._call("GET", "/tracks", self.app_token(), params=params).get("data") or []
        if not found:
            return None
        track = found[0]
        return TrackRef(
            platform=self.key,
            track_id=str(track["id"]),
            title=str((track.get("attributes") or {}).get("title") or ""),
            url=listen_link("track", str(track["id"])),
        )

    def artist_albums(self, artist_id: str, market: str, since: dt.date) -> list[AlbumInfo]:
        """``/artists/{id}/relationships/albums`` with the albums included (cursor pages,
        app token), released on or after ``since``."""
        found: list[AlbumInfo] = []
        params = {"countryCode": market, "include": "albums"}
        path = f"/artists/{artist_id}/relationships/albums"
        tokens = self.app_token()
        for _ in range(ARTIST_ALBUM_PAGES):
            answer = self._call("GET", path, tokens, params=params)
            for album in answer.get("included") or []:
                if album.get("type") != "albums":
                    continue
                attributes = album.get("attributes") or {}
                found.append(
                    AlbumInfo(
                        platform=self.key,
                        album_id=str(album["id"]),
                        title=str(attributes.get("title") or ""),
                        release_date=parse_day(attributes.get("releaseDate")),
                        upc=str(attributes.get("barcodeId") or ""),
                        url=listen_link("album", str(album["id"])),
                        album_type=str(attributes.get("albumType") or "ALBUM").lower(),
                    )
                )
            cursor = ((answer.get("links") or {}).get("meta") or {}).get("nextCursor")
            if not cursor:
                break
            params = {**params, "page[cursor]": str(cursor)}
        return released_since(found, since)

    # --- collection -------------------------------------------------------------
    def write_calls(self, items: list[ItemRef]) -> int:
        kinds: dict[str, int] = {}
        for item in items:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        return sum(-(-n // WRITE_BATCH) for n in kinds.values())

    def save(self, tokens: Tokens, items: list[ItemRef]) -> None:
        """Adds per kind, ≤ 50 a call; an item TIDAL skips as NOT_FOUND is not saved."""
        for kind in dict.fromkeys(item.kind for item in items):
            resource, item_type = COLLECTIONS[kind]
            ids = [item.id for item in items if item.kind == kind]
            for batch in chunks(ids, WRITE_BATCH):
                body = {"data": [{"id": i, "type": item_type} for i in batch]}
                window = int(time.time() // IDEMPOTENCY_WINDOW_S)
                seed = f"{tokens.access_token}|{kind}|{batch}|{window}"
                key = str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
                answer = self._call(
                    "POST",
                    f"/{resource}/me/relationships/items",
                    tokens,
                    body=body,
                    idempotency_key=key,
                )
                missing = [
                    s.get("id")
                    for s in (answer.get("meta") or {}).get("skipped") or []
                    if s.get("reason") == "NOT_FOUND"
                ]
                if missing:
                    raise NotFound(f"TIDAL: {kind} not available to this fan yet", status=404)

    def contains(self, tokens: Tokens, items: list[ItemRef]) -> list[bool]:
        saved = {
            kind: self._collection_ids(kind, tokens)
            for kind in dict.fromkeys(item.kind for item in items)
        }
        return [item.id in saved[item.kind] for item in items]

    def _collection_ids(self, kind: str, tokens: Tokens) -> set[str]:
        resource, _item_type = COLLECTIONS[kind]
        path = f"/{resource}/me/relationships/items"
        ids: set[str] = set()
        params: dict[str, str] | None = None
        for _ in range(READ_PAGES):
            answer = self._call("GET", path, tokens, params=params)
            ids.update(str(entry["id"]) for entry in answer.get("data") or [])
            cursor = ((answer.get("links") or {}).get("meta") or {}).get("nextCursor")
            if not cursor:
                break
            params = {"page[cursor]": str(cursor)}
        return ids


def _codes(answer: dict[str, Any]) -> set[str]:
    return {str(e.get("code")) for e in answer.get("errors") or [] if isinstance(e, dict)}


def _message(answer: dict[str, Any], response: httpx.Response) -> str:
    errors = answer.get("errors") or []
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("detail") or errors[0].get("code") or response.reason_phrase)[
            :ERROR_CHARS
        ]
    return response.reason_phrase


def _token_error(error: str, status: int) -> PlatformError:
    if error == "invalid_grant":
        return AccessRevoked("TIDAL refused the grant: the fan must reconnect", status=status)
    if error == "invalid_client":
        return PermissionDenied("TIDAL refused the client id or secret", status=status)
    return BadRequest(f"TIDAL token endpoint: {error or 'refused'}", status=status)


# TIDAL client ids are short strings of letters and digits (the dashboard shows e.g. 16).
CLIENT_ID = IdFormat(
    re.compile(r"^[A-Za-z0-9]{8,64}$"),
    "client id",
    "Enter the app's client id.",
    "A TIDAL client id is 8 to 64 letters and digits, as shown on your app's page in "
    "the TIDAL developer dashboard.",
)

APP_SETUP = AppSetup(
    fields=(
        CredentialField(
            "client_id",
            "Client ID",
            "Shown on your app's page in the TIDAL developer dashboard.",
            CLIENT_ID.clean,
        ),
        client_secret(
            "Client secret",
            "Shown next to the client id (catalog lookups use it).",
            "client secret",
        ),
    ),
    steps=(
        "Open your app's page in the TIDAL developer dashboard (or create an app there).",
        "Add the address below to its redirect URIs, exactly.",
        "Copy the <em>Client ID</em> and the <em>Client secret</em>.",
    ),
    budget_per_30s=150,
)


def _build(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return Tidal(app, *urls(settings.PLATFORM_EMULATOR_URL), client)


INFO = PlatformInfo(
    key=KEY,
    label=LABEL,
    build=_build,
    scopes_for=scopes_for,
    capability_scopes=SCOPES,
    read_scopes=Tidal.read_scopes,
    chart_color="#000000",
    mark=Mark(
        "#000000",
        "#ffffff",
        mark_svg(
            '<path d="M4 9l3-3 3 3-3 3zM10 9l3-3 3 3-3 3zM16 9l3-3 3 3-3 3zM10 15l3-3 3 3-3 3z" '
            'fill="currentColor"/>'
        ),
    ),
    # No settings page address we could confirm: the portal names the platform only.
    settings_url="",
    listen=ListenService(
        KEY,
        LABEL,
        ("tidal.com", "listen.tidal.com"),
        (r"/(?:browse/)?(?:album|track|artist)/\d+",),
    ),
    authorize_origin=lambda emulator_url: urls(emulator_url)[0],
    app_setup=APP_SETUP,
    id_parser=IdParser(parse_ref, LINK_EXAMPLES),
)
