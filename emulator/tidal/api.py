"""TIDAL API (JSON:API, ``application/vnd.api+json``) under /tidal/v2, as the description
``shared/specs/tidal-api.openapi.json`` gives it (README: TIDAL):

- ``GET /users/me``; ``GET /albums?filter[barcodeId]=``; ``GET /tracks?filter[isrc]=``;
- ``GET|POST|DELETE /userCollection{Albums,Tracks,Artists}/me/relationships/items``, cursor
  pagination (``links.next`` + ``links.meta.nextCursor``), writes with ``Idempotency-Key``
  (same key + same payload: the first answer replayed; another payload: 422);
- adds answer the added items with ``meta.addedAt`` and ``meta.skipped`` (``ALREADY_PRESENT``,
  ``NOT_FOUND``: also an album not yet released in the user's country);
- 401 / 403 / 404 / 415 / 429 (``Retry-After``) in the JSON:API ``errors`` shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from ..actions import grant_is_revoked, remove_items, save_items
from ..catalog import Album, Track
from ..clock import iso
from ..http import HttpError, Request, Response, Router
from ..state import DEFAULT_RATE_LIMITS, AccessToken, State, User

BASE = "/tidal/v2"
JSONAPI = b"application/vnd.api+json"
HEADERS = [(b"content-type", JSONAPI)]
PAGE_SIZE = 20  # items per collection page (TIDAL's default page size is undocumented)
MAX_ITEMS_PER_WRITE = 50  # the payloads' ``maxItems``
COLLECTION_LIMIT = 10_000  # TIDAL's collection cap is undocumented: 409 TOO_MANY_ITEMS beyond
IDEMPOTENCY_KEY_MAX = 128  # the IdempotencyKey parameter's maxLength
# collection resource → (JSON:API item type, catalog kind)
COLLECTIONS = {
    "userCollectionAlbums": ("albums", "album"),
    "userCollectionTracks": ("tracks", "track"),
    "userCollectionArtists": ("artists", "artist"),
}
READ_SCOPES = frozenset({"collection.read", "r_usr"})
WRITE_SCOPES = frozenset({"collection.write", "w_usr"})
USER_SCOPES = frozenset({"user.read", "r_usr"})


def tidal_error(status: int, detail: str, code: str | None = None, headers: Any = None) -> Response:
    item: dict[str, Any] = {"status": str(status), "detail": detail}
    if code:
        item["code"] = code
    body = orjson.dumps({"errors": [item]})
    return Response(status, body, HEADERS + (headers or []))


def _doc(data: Any, status: int = 200) -> Response:
    return Response(status, orjson.dumps(data), list(HEADERS))


def _iso_duration(ms: int) -> str:
    s = ms // 1000
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{sec}S"


def _values(req: Request, name: str) -> list[str]:
    """A JSON:API array filter: repeated keys and comma-separated values both count."""
    out: list[str] = []
    for key, value in parse_qsl(req.query_string.decode("latin-1")):
        if key == name:
            out.extend(v for v in value.split(",") if v)
    return out


def _cursor(raw: str | None) -> int | None:
    """The offset an opaque ``page[cursor]`` stands for (0 without one; None: not ours)."""
    if not raw:
        return 0
    try:
        return int(base64.urlsafe_b64decode(raw.encode() + b"==").decode())
    except (ValueError, binascii.Error):
        return None


def _links(self_link: str, start: int, total: int) -> dict[str, Any]:
    """``links`` of a page from ``start``: ``next`` and ``meta.nextCursor`` when more remain."""
    links: dict[str, Any] = {"self": self_link}
    if start + PAGE_SIZE < total:
        nxt = base64.urlsafe_b64encode(str(start + PAGE_SIZE).encode()).decode().rstrip("=")
        links["next"] = f"{self_link}?{urlencode({'page[cursor]': nxt})}"
        links["meta"] = {"nextCursor": nxt}
    return links


class TidalApi:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self, router: Router) -> None:
        add = router.add
        add("GET", f"{BASE}/users/{{id}}", self.user, "tidal", api=True)
        add("GET", f"{BASE}/albums", self.albums, "tidal", api=True)
        add("GET", f"{BASE}/tracks", self.tracks, "tidal", api=True)
        path = f"{BASE}/artists/{{id}}/relationships/albums"
        add("GET", path, self.artist_albums, "tidal", api=True)
        for resource in COLLECTIONS:
            path = f"{BASE}/{resource}/{{id}}/relationships/items"
            add("GET", path, self.items, "tidal", api=True)
            add("POST", path, self.add_items, "tidal", api=True, body=True)
            add("DELETE", path, self.remove_items, "tidal", api=True, body=True)

    # -- auth and quota -------------------------------------------------------------------
    def _token(self, req: Request) -> AccessToken:
        state = self.state
        auth = req.header(b"authorization") or b""
        raw = auth[7:].decode("latin-1") if auth[:7] == b"Bearer " else ""
        tok = state.access_tokens.get(raw) if raw else None
        if (
            tok is None
            or tok.grant.platform != "tidal"
            or grant_is_revoked(state, tok.grant)
            or (tok.expires_at is not None and state.clock.now() >= tok.expires_at)
        ):
            raise HttpError(tidal_error(401, "Unauthorized", "UNAUTHORIZED"))
        app = state.app("tidal", tok.grant.client_id)
        if app is not None:
            key, limit, window = app.limiter_key, app.rate_limit, app.window_s
        else:
            limit, window = DEFAULT_RATE_LIMITS["tidal"]
            key = f"tidal:{tok.grant.client_id}"
        if state.limiter.hit(key, limit, window):
            state.stats.rate_limited += 1
            retry = str(max(1, int(window)))
            raise HttpError(
                tidal_error(429, "Rate limit exceeded", None, [(b"retry-after", retry.encode())])
            )
        return tok

    def _user(self, req: Request, scopes: frozenset[str]) -> User:
        tok = self._token(req)
        if tok.grant.user_id == "":
            raise HttpError(tidal_error(403, "A user token is required", "FORBIDDEN"))
        if not tok.grant.scopes & scopes:
            raise HttpError(
                tidal_error(403, f"Missing scope: one of {', '.join(sorted(scopes))}", "FORBIDDEN")
            )
        user = self.state.user("tidal", tok.grant.user_id)
        if user is None:
            raise HttpError(tidal_error(401, "Unauthorized", "UNAUTHORIZED"))
        owner = req.params.get("id", "me")
        if owner not in ("me", user.id):
            raise HttpError(tidal_error(403, "Not the authenticated user's resource", "FORBIDDEN"))
        return user

    def _market(self, req: Request, user: User | None) -> str:
        code = req.query.get("countryCode", "")
        if code:
            return code.upper()
        return user.country if user is not None else self.state.config.default_market

    # -- objects ---------------------------------------------------------------------------
    def _album(self, album: Album) -> dict[str, Any]:
        tracks = [self.state.catalog.tracks[k] for k in album.track_keys]
        attributes: dict[str, Any] = {
            "title": album.name,
            "barcodeId": album.upc,
            "albumType": {"single": "SINGLE", "ep": "EP"}.get(album.album_type.lower(), "ALBUM"),
            "duration": _iso_duration(sum(t.duration_ms for t in tracks)),
            "explicit": any(t.explicit for t in tracks),
            "mediaTags": ["LOSSLESS"],
            "numberOfItems": len(tracks),
            "numberOfVolumes": max((t.disc_number for t in tracks), default=1),
            "popularity": round(album.popularity / 100, 2),
            "accessType": "PUBLIC",
        }
        if album.release_date:
            attributes["releaseDate"] = album.release_date[:10]
        aid = album.ids["tidal"]
        return {
            "id": aid,
            "type": "albums",
            "attributes": attributes,
            "relationships": {
                "artists": {
                    "data": [
                        {"id": self.state.catalog.artists[a].ids["tidal"], "type": "artists"}
                        for a in album.artist_keys
                        if a in self.state.catalog.artists
                    ],
                    "links": {"self": f"/albums/{aid}/relationships/artists"},
                }
            },
        }

    def _track(self, track: Track) -> dict[str, Any]:
        return {
            "id": track.ids["tidal"],
            "type": "tracks",
            "attributes": {
                "title": track.name,
                "isrc": track.isrc,
                "duration": _iso_duration(track.duration_ms),
                "explicit": track.explicit,
                "key": "UNKNOWN",
                "keyScale": "UNKNOWN",
                "mediaTags": ["LOSSLESS"],
                "popularity": 0.0,
                "accessType": "PUBLIC",
            },
        }

    # -- handlers --------------------------------------------------------------------------
    async def user(self, req: Request) -> Response:
        user = self._user(req, USER_SCOPES)
        data = {
            "id": user.id,
            "type": "users",
            "attributes": {
                "username": user.name,
                "country": user.country,
                "email": user.email,
                "emailVerified": True,
                "developerAccessTier": "THIRD_PARTY",
            },
        }
        return _doc({"data": data, "links": {"self": "/users/me"}})

    async def albums(self, req: Request) -> Response:
        tok = self._token(req)
        user = self.state.user("tidal", tok.grant.user_id) if tok.grant.user_id else None
        market, now, catalog = self._market(req, user), self.state.clock.now(), self.state.catalog
        found: list[Album] = []
        for upc in _values(req, "filter[barcodeId]"):
            key = catalog.by_upc.get(upc)
            if key is not None:
                found.append(catalog.albums[key])
        for aid in _values(req, "filter[id]"):
            album = catalog.album("tidal", aid)
            if album is not None:
                found.append(album)
        data = [self._album(a) for a in found if catalog.album_visible(a, market, now)]
        return _doc({"data": data, "links": {"self": "/albums"}})

    async def tracks(self, req: Request) -> Response:
        tok = self._token(req)
        user = self.state.user("tidal", tok.grant.user_id) if tok.grant.user_id else None
        market, now, catalog = self._market(req, user), self.state.clock.now(), self.state.catalog
        found: list[Track] = []
        for isrc in _values(req, "filter[isrc]"):
            found.extend(catalog.tracks[k] for k in catalog.by_isrc.get(isrc, []))
        for tid in _values(req, "filter[id]"):
            track = catalog.track("tidal", tid)
            if track is not None:
                found.append(track)
        data = [self._track(t) for t in found if catalog.track_visible(t, market, now)]
        return _doc({"data": data, "links": {"self": "/tracks"}})

    async def artist_albums(self, req: Request) -> Response:
        """The artist's albums released in the market, newest first, in cursor pages;
        ``include=albums`` adds the album objects."""
        tok = self._token(req)
        user = self.state.user("tidal", tok.grant.user_id) if tok.grant.user_id else None
        market, now, catalog = self._market(req, user), self.state.clock.now(), self.state.catalog
        artist = catalog.artist("tidal", req.params["id"])
        if artist is None:
            return tidal_error(404, "Resource not found", "NOT_FOUND")
        albums = [
            a
            for a in catalog.albums.values()
            if artist.key in a.artist_keys and catalog.album_visible(a, market, now)
        ]
        albums.sort(key=lambda a: a.release_date or "", reverse=True)
        start = _cursor(req.query.get("page[cursor]"))
        if start is None:
            return tidal_error(400, "Invalid page[cursor]", "INVALID_QUERY_PARAMETER")
        page = albums[start : start + PAGE_SIZE]
        self_link = f"/artists/{req.params['id']}/relationships/albums"
        doc: dict[str, Any] = {
            "data": [{"id": a.ids["tidal"], "type": "albums"} for a in page],
            "links": _links(self_link, start, len(albums)),
        }
        if "albums" in _values(req, "include"):
            doc["included"] = [self._album(a) for a in page]
        return _doc(doc)

    def _resource(self, req: Request) -> tuple[str, str, str]:
        resource = req.path[len(BASE) + 1 :].split("/", 1)[0]
        item_type, kind = COLLECTIONS[resource]
        return resource, item_type, kind

    async def items(self, req: Request) -> Response:
        user = self._user(req, READ_SCOPES)
        resource, item_type, _kind = self._resource(req)
        prefix = f"{item_type}:"
        owned = [(k, at) for k, at in user.library.items() if k.startswith(prefix)]
        sort = req.query.get("sort", "-addedAt")
        owned.sort(key=lambda kv: kv[1], reverse=sort != "addedAt")
        start = _cursor(req.query.get("page[cursor]"))
        if start is None:
            return tidal_error(400, "Invalid page[cursor]", "INVALID_QUERY_PARAMETER")
        page = owned[start : start + PAGE_SIZE]
        self_link = f"/{resource}/{req.params['id']}/relationships/items"
        links = _links(self_link, start, len(owned))
        data = [
            {"id": k.split(":", 1)[1], "type": item_type, "meta": {"addedAt": iso(at)}}
            for k, at in page
        ]
        return _doc({"data": data, "links": links})

    def _payload(self, req: Request, item_type: str) -> list[str]:
        ctype = (req.header(b"content-type") or b"").split(b";")[0].strip()
        if ctype != JSONAPI:
            raise HttpError(tidal_error(415, "Content-Type must be application/vnd.api+json"))
        try:
            body = req.json()
        except orjson.JSONDecodeError:
            raise HttpError(
                tidal_error(400, "Malformed JSON body", "INVALID_REQUEST_BODY")
            ) from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not 1 <= len(data) <= MAX_ITEMS_PER_WRITE:
            raise HttpError(
                tidal_error(
                    400,
                    f"data must be an array of 1 to {MAX_ITEMS_PER_WRITE} resource identifiers",
                    "INVALID_REQUEST_BODY",
                )
            )
        ids: list[str] = []
        for item in data:
            if (
                not isinstance(item, dict)
                or item.get("type") != item_type
                or not isinstance(item.get("id"), str)
                or not item["id"]
            ):
                raise HttpError(
                    tidal_error(
                        400,
                        f"each item needs a string id and type {item_type}",
                        "INVALID_REQUEST_BODY",
                    )
                )
            ids.append(item["id"])
        return ids

    def _idempotent(self, req: Request, user: User) -> tuple[tuple[str, str], str] | Response:
        """(store key, payload digest) for a keyed write, or the replayed / refused answer."""
        raw = req.header(b"idempotency-key")
        if raw is None:
            return ("", ""), ""
        key = raw.decode("latin-1")
        if not key or len(key) > IDEMPOTENCY_KEY_MAX:
            return tidal_error(
                400, f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters"
            )
        digest = hashlib.sha256(f"{req.method} {req.path}\n".encode() + req.body).hexdigest()
        store_key = (user.id, key)
        seen = self.state.idempotency.get(store_key)
        if seen is not None:
            if seen[0] != digest:
                return tidal_error(
                    422,
                    "Idempotency key reused with a different payload",
                    "IDEMPOTENT_REQUEST_PAYLOAD_MISMATCH",
                )
            return seen[1]
        return store_key, digest

    async def add_items(self, req: Request) -> Response:
        user = self._user(req, WRITE_SCOPES)
        resource, item_type, kind = self._resource(req)
        ids = self._payload(req, item_type)
        keyed = self._idempotent(req, user)
        if isinstance(keyed, Response):
            return keyed
        store_key, digest = keyed
        state, catalog, now = self.state, self.state.catalog, self.state.clock.now()
        added: list[str] = []
        skipped: list[dict[str, str]] = []
        for item_id in dict.fromkeys(ids):
            if kind == "album":
                album = catalog.album("tidal", item_id)
                visible = album is not None and catalog.album_visible(album, user.country, now)
            elif kind == "track":
                track = catalog.track("tidal", item_id)
                visible = track is not None and catalog.track_visible(track, user.country, now)
            else:
                visible = catalog.artist("tidal", item_id) is not None
            if not visible:
                skipped.append({"id": item_id, "type": item_type, "reason": "NOT_FOUND"})
            elif f"{item_type}:{item_id}" in user.library:
                skipped.append({"id": item_id, "type": item_type, "reason": "ALREADY_PRESENT"})
            else:
                added.append(item_id)
        if len(user.library) + len(added) > COLLECTION_LIMIT:
            return tidal_error(409, "Collection item limit reached", "TOO_MANY_ITEMS_IN_COLLECTION")
        save_items(state, user, [f"{item_type}:{i}" for i in added], now)
        doc = {
            "data": [{"id": i, "type": item_type, "meta": {"addedAt": iso(now)}} for i in added],
            "links": {"self": f"/{resource}/{req.params['id']}/relationships/items"},
            "meta": {"skipped": skipped},
        }
        response = _doc(doc)
        if store_key[1]:
            self.state.idempotency[store_key] = (digest, response)
        return response

    async def remove_items(self, req: Request) -> Response:
        user = self._user(req, WRITE_SCOPES)
        resource, item_type, _kind = self._resource(req)
        ids = self._payload(req, item_type)
        keyed = self._idempotent(req, user)
        if isinstance(keyed, Response):
            return keyed
        store_key, digest = keyed
        remove_items(self.state, user, [f"{item_type}:{i}" for i in ids])
        links = {"self": f"/{resource}/{req.params['id']}/relationships/items"}
        response = _doc({"links": links, "meta": {}})
        if store_key[1]:
            self.state.idempotency[store_key] = (digest, response)
        return response
