"""Apple Music adapter: developer token (ES256 JWT), Music-User-Token, library adds and reads,
UPC / ISRC lookups and the app's connection check.

The user token comes from MusicKit JS in the fan's browser (configured with
``developer_token()``); there is no server-side OAuth and no follow-artist endpoint, so artist
items are skipped by ``save`` and never reported as contained.

Fan identity: the Apple Music API exposes no user id. A hash of the Music-User-Token is not
an id (every authorization, in every browser, mints a new token), and the storefront is shared
by millions. So ``profile`` returns ``user_id=None`` with the storefront as country: an Apple
connection is keyed by fanloop's own fan record (one Apple connection per fan), and a
re-authorization replaces the token on that connection instead of creating a new fan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import threading
import time
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError

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
    PermissionDenied,
    PlatformError,
    RateLimited,
    TransientError,
    for_status,
)
from fanloop.platforms.http import json_object, raise_for_common, transport_errors
from fanloop.platforms.info import (
    LISTEN_ID,
    PLAIN_HEADER,
    AppSetup,
    AudienceExport,
    CredentialField,
    LinkNoId,
    ListenService,
    Mark,
    PlatformInfo,
    ShareLinks,
    SignIn,
    check_kind,
    mark_svg,
)
from fanloop.platforms.validators import WHITESPACE_RE, IdFormat

KEY = "applemusic"
LABEL = "Apple Music"
# Apple allows up to six months; a short life limits a leaked token (it is sent to browsers).
DEVELOPER_TOKEN_TTL_S = 12 * 3600
DEVELOPER_TOKEN_MARGIN_S = 600  # sign a new one when less than this is left
KIND_PARAM = {"album": "albums", "track": "songs"}
LIBRARY_BATCH = 50  # ids per add-to-library call, to keep URLs short
LIBRARY_PAGE = 100  # Apple's maximum page size for library reads
ARTIST_ALBUM_PAGES = 10
CHECK_STOREFRONT = "us"
CHECK_ISRC = "USRC17607839"

# Share links: https://music.apple.com/<storefront>/<kind>/[<name>/]<id>; old iTunes links
# write the id as id123.
SHARE_ID = re.compile(r"^[0-9]{1,20}$")
SHARE_PATH_ID = re.compile(r"^(?:id)?([0-9]{1,20})$")
STOREFRONT = re.compile(r"^[a-z]{2}$")
# Apple offers no settings page on the web: where a fan removes an app's access.
SETTINGS_HINT = (
    "on an iPhone or iPad: Settings → Privacy & Security → Media & Apple Music; "
    "on a Mac: System Settings → Privacy & Security → Media & Apple Music."
)


def share_link(kind: str, item_id: str) -> str:
    return f"https://music.apple.com/us/{kind}/{item_id}"


def parse_share_path(segments: list[str], kind: str) -> tuple[str, str]:
    """(id, canonical link) of a share link's path segments (the ?i= parameter selects a
    track inside an album page: the album is what is kept)."""
    storefront = "us"
    if segments and STOREFRONT.match(segments[0]):
        storefront = segments.pop(0)
    check_kind(segments, kind)
    match = SHARE_PATH_ID.match(segments[-1]) if len(segments) >= 2 else None
    if match is None:
        raise LinkNoId(kind)
    apple_id = match.group(1)
    name = segments[1] if len(segments) == 3 else ""
    path = f"{storefront}/{kind}/{name}/{apple_id}" if name else f"{storefront}/{kind}/{apple_id}"
    return apple_id, f"https://music.apple.com/{path}"


def scopes_for(capabilities: frozenset[Capability]) -> list[str]:
    """Apple's user token is all or nothing: there are no scopes to ask for."""
    return []


# Signed developer tokens per (team id, key id, key digest): (token, expires epoch).
_developer_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_developer_tokens_lock = threading.Lock()


class AppleMusic(HttpAdapter):
    key = KEY
    label = LABEL
    read_scopes = {"album": None, "track": None}  # the Music-User-Token reads as it writes

    def __init__(
        self, app: AppCredentials, api_url: str, client: httpx.Client | None = None
    ) -> None:
        super().__init__(app, api_url, client)

    # --- developer token ------------------------------------------------------
    def developer_token(self) -> str:
        """An ES256 JWT (header kid; claims iss, iat, exp), cached until near its expiry."""
        digest = hashlib.sha256(self.app.private_key.encode()).hexdigest()
        key = (self.app.team_id, self.app.key_id, digest)
        now = time.time()
        with _developer_tokens_lock:
            hit = _developer_tokens.get(key)
        if hit is not None and hit[1] - now > DEVELOPER_TOKEN_MARGIN_S:
            return hit[0]
        expires = int(now) + DEVELOPER_TOKEN_TTL_S
        try:
            token = jwt.encode(
                {"iss": self.app.team_id, "iat": int(now), "exp": expires},
                self.app.private_key,
                algorithm="ES256",
                headers={"kid": self.app.key_id},
            )
        except (ValueError, TypeError, jwt.PyJWTError):
            raise PermissionDenied(
                "Apple Music: the private key cannot sign a developer token: paste the whole "
                ".p8 key (ES256, P-256)"
            ) from None
        with _developer_tokens_lock:
            _developer_tokens[key] = (token, float(expires))
        return token

    # --- authorization (in the browser) -------------------------------------
    def authorize_url(self, state: str, pkce: Pkce, capabilities: frozenset[Capability]) -> str:
        raise NotImplementedError("Apple Music authorizes in the browser through MusicKit JS")

    def exchange_code(self, code: str, pkce: Pkce) -> Tokens:
        # The "code" is the Music-User-Token posted by MusicKit JS from the fan's browser.
        return Tokens(access_token=code)

    def refresh(self, tokens: Tokens) -> Tokens:
        return tokens  # Music-User-Tokens cannot be refreshed server-side

    # --- API --------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        tokens: Tokens | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.developer_token()}"}
        if tokens:
            headers["Music-User-Token"] = tokens.access_token
        with transport_errors(self.label):
            response = self.http.request(
                method, f"{self.api_url}{path}", params=params, headers=headers
            )
        raise_for_common(response, self.label)
        status = response.status_code
        if status < 300:
            return response
        message = f"Apple Music: {_error_message(response)}"
        if status == 401:  # the developer token: the app's configuration, not the fan
            raise PermissionDenied(f"{message} (developer token refused)", status=401)
        if status == 403 and tokens:
            # A Music-User-Token that stops working was revoked by the fan (or expired).
            raise AccessRevoked(message, status=403)
        raise for_status(message, status)

    def profile(self, tokens: Tokens) -> Profile:
        """No user id exists on Apple (see the module docstring); the storefront is the country."""
        data = json_object(self._call("GET", "/me/storefront", tokens)).get("data") or [{}]
        storefront = str(data[0].get("id", ""))
        return Profile(user_id=None, country=storefront.upper() or None)

    def lookup_release(self, upc: str, market: str) -> ReleaseRef | None:
        params = {"filter[upc]": upc}
        body = json_object(self._call("GET", f"/catalog/{market.lower()}/albums", params=params))
        albums = body.get("data") or []
        if not albums:
            return None
        album = albums[0]
        attributes = album.get("attributes") or {}
        relationships = album.get("relationships") or {}
        tracks = (relationships.get("tracks") or {}).get("data") or []
        artists = (relationships.get("artists") or {}).get("data") or []
        return ReleaseRef(
            platform=self.key,
            album_id=str(album["id"]),
            title=attributes.get("name", ""),
            url=attributes.get("url", ""),
            track_ids=tuple(str(t["id"]) for t in tracks),
            artist_ids=tuple(str(a["id"]) for a in artists),
        )

    def lookup_track(self, isrc: str, market: str) -> TrackRef | None:
        params = {"filter[isrc]": isrc}
        body = json_object(self._call("GET", f"/catalog/{market.lower()}/songs", params=params))
        songs = body.get("data") or []
        if not songs:
            return None
        song = songs[0]
        attributes = song.get("attributes") or {}
        albums = ((song.get("relationships") or {}).get("albums") or {}).get("data") or []
        return TrackRef(
            platform=self.key,
            track_id=str(song["id"]),
            album_id=str(albums[0]["id"]) if albums else None,
            title=attributes.get("name", ""),
            url=attributes.get("url", ""),
        )

    def artist_albums(self, artist_id: str, market: str, since: dt.date) -> list[AlbumInfo]:
        """``/catalog/{storefront}/artists/{id}/albums`` (paged), released on or after ``since``."""
        found: list[AlbumInfo] = []
        path: str | None = f"/catalog/{market.lower()}/artists/{artist_id}/albums"
        params: dict[str, str] | None = {"limit": "100"}
        for _ in range(ARTIST_ALBUM_PAGES):
            if path is None:
                break
            body = json_object(self._call("GET", path, params=params))
            for album in body.get("data") or []:
                attributes = album.get("attributes") or {}
                found.append(
                    AlbumInfo(
                        platform=self.key,
                        album_id=str(album["id"]),
                        title=str(attributes.get("name") or ""),
                        release_date=parse_day(attributes.get("releaseDate")),
                        upc=str(attributes.get("upc") or ""),
                        url=str(attributes.get("url") or ""),
                        album_type="single" if attributes.get("isSingle") else "album",
                    )
                )
            following = body.get("next")
            path = str(following).removeprefix("/v1") if following else None
            params = None
        return released_since(found, since)

    def test_connection(self) -> ConnectionCheck:
        """One catalog call signed with the developer token: proves team id, key id and key."""
        try:
            self._call(
                "GET",
                f"/catalog/{CHECK_STOREFRONT}/songs",
                params={"filter[isrc]": CHECK_ISRC},
            )
        except PermissionDenied as exc:
            if exc.status is None:  # could not even sign
                return ConnectionCheck(False, str(exc))
            return ConnectionCheck(
                False,
                "Apple Music refused the developer token: check the team id, the key id and that "
                f"the private key is the one for that key id. ({exc})",
            )
        except RateLimited:
            return ConnectionCheck(False, "Apple Music is rate limiting this app: try again soon.")
        except TransientError as exc:
            return ConnectionCheck(False, f"Apple Music could not be reached: {exc}. Try again.")
        except PlatformError as exc:
            return ConnectionCheck(False, f"Apple Music refused the check: {exc}")
        return ConnectionCheck(True, "Apple Music accepted the developer token.")

    # --- library ------------------------------------------------------------
    def write_calls(self, items: list[ItemRef]) -> int:
        return math.ceil(sum(1 for item in items if item.kind in KIND_PARAM) / LIBRARY_BATCH)

    def save(self, tokens: Tokens, items: list[ItemRef]) -> None:
        """202 Accepted; Apple silently ignores ids it cannot add. Artists are skipped."""
        addable = [item for item in items if item.kind in KIND_PARAM]
        for chunk in chunks(addable, LIBRARY_BATCH):
            params: dict[str, str] = {}
            for kind, param in KIND_PARAM.items():
                ids = [item.id for item in chunk if item.kind == kind]
                if ids:
                    params[f"ids[{param}]"] = ",".join(ids)
            self._call("POST", "/me/library", tokens, params=params)

    def contains(self, tokens: Tokens, items: list[ItemRef]) -> list[bool]:
        """Reads the library's albums / songs and matches their catalog ids."""
        kinds = {item.kind for item in items if item.kind in KIND_PARAM}
        saved = {kind: self._library_catalog_ids(KIND_PARAM[kind], tokens) for kind in kinds}
        return [item.id in saved.get(item.kind, set()) for item in items]

    def _library_catalog_ids(self, kind: str, tokens: Tokens) -> set[str]:
        ids: set[str] = set()
        offset = 0
        while True:
            params = {"limit": str(LIBRARY_PAGE), "offset": str(offset), "include": "catalog"}
            body = json_object(self._call("GET", f"/me/library/{kind}", tokens, params=params))
            page = body.get("data") or []
            for entry in page:
                ids.update(_catalog_ids(entry))
            if not body.get("next") or not page:
                return ids
            offset += len(page)


def _catalog_ids(entry: dict[str, Any]) -> set[str]:
    """A library item's catalog ids: playParams.catalogId, else its catalog relationship."""
    ids: set[str] = set()
    play = (entry.get("attributes") or {}).get("playParams") or {}
    if play.get("catalogId"):
        ids.add(str(play["catalogId"]))
    catalog = ((entry.get("relationships") or {}).get("catalog") or {}).get("data") or []
    ids.update(str(c["id"]) for c in catalog if c.get("id"))
    return ids


def _error_message(response: httpx.Response) -> str:
    errors = json_object(response).get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    return str(first.get("detail") or first.get("title") or response.reason_phrase)


# Apple team ids and key ids are 10 characters, upper-case letters and digits.
APPLE_ID = re.compile(r"^[A-Z0-9]{10}$")
TEAM_ID = IdFormat(
    APPLE_ID,
    "team id",
    "Enter the team id.",
    "An Apple team id is 10 characters, capital letters and digits.",
    upper=True,
)
KEY_ID = IdFormat(
    APPLE_ID,
    "key id",
    "Enter the key id.",
    "An Apple key id is 10 characters, capital letters and digits.",
    upper=True,
)
PRIVATE_KEY_MAX = 5000  # a P-256 .p8 is ~250 characters; anything this long is not one
PEM_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
ENCRYPTED_KEY = "This key is protected by a password; Apple's .p8 keys are not: use the .p8 as is."

GET_A_P8 = (
    "Download a MusicKit key (.p8 file) from Certificates, Identifiers & Profiles → Keys in "
    "your Apple Developer account and paste its whole content."
)


def normalize_pem(value: str) -> str:
    """The PEM block rebuilt with 64-character lines.

    Keys pasted through chat tools or environment variables often lose their line breaks or
    gain spaces and CRs; the base64 body survives, so it is re-wrapped rather than refused.
    """
    value = value.strip()
    match = PEM_RE.search(value)
    if match is None:
        raise ValidationError(
            "This is not a PEM private key: it must start with “-----BEGIN PRIVATE KEY-----”. "
            + GET_A_P8
        )
    label, body = match.group(1), WHITESPACE_RE.sub("", match.group(2))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def clean_private_key(value: str) -> str:
    """An EC P-256 private key that signs an ES256 JWT, as Apple's .p8 files hold."""
    if len(value) > PRIVATE_KEY_MAX:
        raise ValidationError(
            f"That is far too long for an Apple Music key (at most {PRIVATE_KEY_MAX} "
            "characters): paste only the .p8 file's content."
        )
    if not value.strip():
        raise ValidationError("Paste the private key (.p8). " + GET_A_P8)
    pem = normalize_pem(value)
    label = pem.split("-----")[1]
    if "PUBLIC KEY" in label or "CERTIFICATE" in label:
        raise ValidationError(
            "This is a public key or certificate; fanloop needs the private key. " + GET_A_P8
        )
    # PKCS#8 says so in its label, traditional PEM in a Proc-Type header.
    if "ENCRYPTED" in label or "Proc-Type:" in value:
        raise ValidationError(ENCRYPTED_KEY)
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except TypeError:  # cryptography's answer for a key that needs a password
        raise ValidationError(ENCRYPTED_KEY) from None
    except ValueError:
        raise ValidationError(
            "This private key cannot be read: it may be cut short or damaged. " + GET_A_P8
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValidationError(
            "This is not an elliptic-curve key (it may be an RSA key). Apple Music needs an EC "
            "P-256 key that signs ES256. " + GET_A_P8
        )
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValidationError(
            f"This key uses the {key.curve.name} curve; Apple Music needs P-256 (ES256). "
            + GET_A_P8
        )
    try:
        jwt.encode({"iss": "check"}, pem, algorithm="ES256", headers={"kid": "check"})
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ValidationError("This key cannot sign an ES256 token. " + GET_A_P8) from None
    return pem


APP_SETUP = AppSetup(
    fields=(
        CredentialField(
            "team_id",
            "Team ID",
            "10 characters, top right of your Apple Developer account.",
            TEAM_ID.clean,
            max_length=40,
        ),
        CredentialField(
            "key_id",
            "Key ID",
            "10 characters, shown with the MusicKit key you created.",
            KEY_ID.clean,
            max_length=40,
        ),
        CredentialField(
            "private_key",
            "…or paste the private key",
            "From “-----BEGIN PRIVATE KEY-----” to “-----END PRIVATE KEY-----”.",
            clean_private_key,
            secret=True,
            max_length=PRIVATE_KEY_MAX,
            list_label="Private key",
            file_label="Private key file (.p8)",
            file_help=(
                "Upload the .p8 file Apple let you download once, or paste its content below."
            ),
        ),
    ),
    steps=(
        'In your <a href="https://developer.apple.com/account/resources/authkeys/list" '
        'rel="noopener">Apple Developer account</a>, under Keys, create a key with '
        "<em>Media Services (MusicKit)</em> enabled.",
        "Download its <code>.p8</code> file (Apple lets you download it only once) and note "
        "its <em>Key ID</em>.",
        "Your <em>Team ID</em> is shown under Membership details.",
    ),
    note=(
        "Fans authorize Apple Music in the page through MusicKit JS: there is no redirect URI "
        "to register. fanloop signs short-lived developer tokens with this key."
    ),
    id_field="key_id",  # the key id names the app at Apple: it is the client id here
    binding_field="team_id",
    budget_per_30s=150,
)


def _build(app: AppCredentials, client: httpx.Client | None) -> Platform:
    return AppleMusic(app, settings.APPLE_MUSIC_API_URL, client)


INFO = PlatformInfo(
    key=KEY,
    label=LABEL,
    build=_build,
    capabilities=frozenset({Capability.SAVE, Capability.VERIFY}),  # Apple has no follow
    scopes_for=scopes_for,
    capability_scopes={},
    read_scopes=AppleMusic.read_scopes,
    sign_in=SignIn.ON_PAGE,
    chart_color="#fa243c",
    mark=Mark(
        "#e0193a",
        "#ffffff",
        mark_svg(
            '<path d="M9.5 17.5V6.8l9-1.8v10.3" fill="none" stroke="currentColor" '
            'stroke-width="1.8" stroke-linejoin="round"/><ellipse cx="7.3" cy="17.6" rx="2.4" '
            'ry="2" fill="currentColor"/><ellipse cx="16.3" cy="15.5" rx="2.4" ry="2" '
            'fill="currentColor"/>'
        ),
    ),
    settings_hint=SETTINGS_HINT,
    share_links=ShareLinks(
        hosts=frozenset(
            {"music.apple.com", "geo.music.apple.com", "embed.music.apple.com", "itunes.apple.com"}
        ),
        short_hosts={},
        examples={
            "artist": "https://music.apple.com/us/artist/…/123456789",
            "album": "https://music.apple.com/us/album/…/123456789",
        },
        bare_id=SHARE_ID,
        parse=parse_share_path,
        canonical=share_link,
    ),
    listen=ListenService(
        KEY,
        LABEL,
        ("music.apple.com", "geo.music.apple.com"),
        (rf"/(?:[a-z]{{2}}/)?(?:album|song|artist)(?:/[^/]+)?/{LISTEN_ID}",),
    ),
    app_setup=APP_SETUP,
    audience_exports=(
        AudienceExport(
            "apple_music_for_artists",
            "Apple Music for Artists",
            {**PLAIN_HEADER, "plays": "streams"},
        ),
    ),
)
