"""Spotify Web API under /spotify/v1: profile, library (new and legacy), catalog, search.

Checks run in Spotify's order: token (401) → app rate limit (429) → development-mode user
registration (403) → scopes (403) → parameters (400) → existence and release (404).
"""

from __future__ import annotations

import re
from typing import Any

from ..actions import grant_is_revoked, remove_items, save_items, user_allowed
from ..catalog import Album
from ..clock import parse_instant
from ..errors import spotify_error, spotify_library_400, spotify_text_error
from ..http import JSON_HEADERS, HttpError, Request, Response, Router, json_response
from ..ids import SPOTIFY_ID
from ..state import AccessToken, App, State, User
from .objects import ALBUM_TRACKS_PAGE, Builder, private_user
from .search import search

LIB_MODIFY = "user-library-modify"
LIB_READ = "user-library-read"
FOLLOW_MODIFY = "user-follow-modify"
FOLLOW_READ = "user-follow-read"
MAX_LIBRARY_URIS = 40
MAX_LEGACY_IDS = 50
URI_TYPES = frozenset(
    {"track", "album", "artist", "episode", "show", "audiobook", "user", "playlist"}
)
FOLLOW_TYPES = frozenset({"artist", "user"})
USERNAME = re.compile(r"^[0-9A-Za-z._-]{1,64}$")

OK_EMPTY_OBJECT = Response(200, b"{}", JSON_HEADERS)
OK_NO_BODY = Response(200, b"", [])
NO_CONTENT = Response(204, b"", [])

# (token, user or None for client-credentials tokens, app)
Ctx = tuple[AccessToken, User | None, App]
UserCtx = tuple[AccessToken, User, App]


class SpotifyApi:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self, router: Router) -> None:
        p = "/spotify/v1"
        add = router.add
        add("GET", f"{p}/me", self.me, "spotify", api=True)
        add("PUT", f"{p}/me/library", self.library_save, "spotify", api=True)
        add("DELETE", f"{p}/me/library", self.library_remove, "spotify", api=True)
        add("GET", f"{p}/me/library/contains", self.library_contains, "spotify", api=True)
        for kind in ("albums", "tracks"):
            add("PUT", f"{p}/me/{kind}", self.legacy_save, "spotify", api=True, body=True)
            add("DELETE", f"{p}/me/{kind}", self.legacy_remove, "spotify", api=True, body=True)
            add("GET", f"{p}/me/{kind}/contains", self.legacy_contains, "spotify", api=True)
        add("PUT", f"{p}/me/following", self.following_save, "spotify", api=True, body=True)
        add("DELETE", f"{p}/me/following", self.following_remove, "spotify", api=True, body=True)
        add("GET", f"{p}/me/following/contains", self.following_contains, "spotify", api=True)
        add("GET", f"{p}/albums/{{id}}", self.album, "spotify", api=True)
        add("GET", f"{p}/albums/{{id}}/tracks", self.album_tracks, "spotify", api=True)
        add("GET", f"{p}/tracks/{{id}}", self.track, "spotify", api=True)
        add("GET", f"{p}/artists/{{id}}", self.artist, "spotify", api=True)
        add("GET", f"{p}/artists/{{id}}/albums", self.artist_albums, "spotify", api=True)
        add("GET", f"{p}/search", self.search, "spotify", api=True)

    # -- authentication, limits, scopes ----------------------------------------------------
    def _auth(self, req: Request, need_user: bool = True) -> Ctx:
        state = self.state
        raw = req.header(b"authorization")
        if raw is None:
            raise HttpError(spotify_error(401, "No token provided"))
        if raw[:7] != b"Bearer ":
            raise HttpError(spotify_error(401, "Only valid bearer authentication supported"))
        tok = state.access_tokens.get(raw[7:].decode("latin-1"))
        if tok is None or tok.grant.platform != "spotify":
            raise HttpError(spotify_error(401, "Invalid access token"))
        grant = tok.grant
        if grant_is_revoked(state, grant):
            raise HttpError(spotify_error(401, "Invalid access token"))
        if tok.expires_at is not None and state.clock.now() >= tok.expires_at:
            raise HttpError(spotify_error(401, "The access token expired"))
        app = state.apps.get(("spotify", grant.client_id))
        if app is None:
            raise HttpError(spotify_error(401, "Invalid access token"))
        retry = state.limiter.hit(app.limiter_key, app.rate_limit, app.window_s)
        if retry:
            state.stats.rate_limited += 1
            raise HttpError(
                spotify_error(
                    429, "API rate limit exceeded", [(b"retry-after", str(retry).encode())]
                )
            )
        user = state.users.get(("spotify", grant.user_id)) if grant.user_id else None
        if user is None:
            if need_user:
                raise HttpError(spotify_error(401, "Valid user authentication required"))
        elif not user_allowed(app, user):
            raise HttpError(
                spotify_text_error(403, "User not registered in the Developer Dashboard")
            )
        return tok, user, app

    def _auth_user(self, req: Request, scopes: tuple[str, ...] = ()) -> UserCtx:
        tok, user, app = self._auth(req)
        if user is None:
            raise HttpError(spotify_error(401, "Valid user authentication required"))
        for scope in scopes:
            if scope not in tok.grant.scopes:
                raise HttpError(spotify_error(403, "Insufficient client scope"))
        return tok, user, app

    def _market(self, req: Request, user: User | None) -> str:
        # A user token's country takes precedence over the market parameter (Spotify docs).
        if user is not None:
            return user.country
        market = req.query.get("market")
        if market and market != "from_token":
            return market.upper()
        return self.state.config.default_market

    def _builder(self, req: Request, market: str, app: App) -> Builder:
        return Builder(
            self.state.catalog,
            req.base_url + "/spotify/v1",
            market,
            self.state.clock.now(),
            app.mode == "development",
        )

    # -- profile ---------------------------------------------------------------------------
    async def me(self, req: Request) -> Response:
        tok, user, app = self._auth_user(req)
        strip = app.mode == "development" and self.state.config.dev_mode_strips_private_fields
        return json_response(
            private_user(user, req.base_url + "/spotify/v1", tok.grant.scopes, strip)
        )

    # -- /me/library -----------------------------------------------------------------------
    def _library_uris(self, req: Request, write: bool) -> list[tuple[str, str, str]]:
        """Parse ``uris`` into (uri, type, id) and check the scopes their types need."""
        uris = req.query.get("uris")
        if not uris:
            raise HttpError(spotify_library_400("Missing required field: uris"))
        parts = uris.split(",")
        if len(parts) > MAX_LIBRARY_URIS:
            raise HttpError(spotify_library_400("Too many ids requested"))
        out = []
        for uri in parts:
            bits = uri.split(":")
            if len(bits) != 3 or bits[0] != "spotify":
                raise HttpError(spotify_library_400(f"Invalid URI: {uri}"))
            kind, item_id = bits[1], bits[2]
            if kind not in URI_TYPES:
                raise HttpError(spotify_library_400(f"Unsupported URI type: {kind}"))
            if kind == "user":
                if not USERNAME.match(item_id):
                    raise HttpError(spotify_library_400(f"Invalid URI: {uri}"))
            elif not SPOTIFY_ID.match(item_id):
                raise HttpError(spotify_library_400("Invalid base62 id"))
            out.append((uri, kind, item_id))
        return out

    def _needed_scopes(self, parsed: list[tuple[str, str, str]], write: bool) -> set[str]:
        lib, follow = (LIB_MODIFY, FOLLOW_MODIFY) if write else (LIB_READ, FOLLOW_READ)
        follow_flag = self.state.config.library_artist_requires_follow_scope
        needed = set()
        for _uri, kind, _id in parsed:
            needed.add(follow if kind in FOLLOW_TYPES and follow_flag else lib)
        return needed

    def _check_exists(self, kinds_ids: list[tuple[str, str]], market: str, now: float) -> None:
        """404 for unknown or not-yet-released catalog items (config: library_unknown_ids)."""
        if self.state.config.library_unknown_ids != "error":
            return
        catalog = self.state.catalog
        for kind, item_id in kinds_ids:
            if kind == "album":
                album = catalog.album("spotify", item_id)
                if album is None or not catalog.album_visible(album, market, now):
                    raise HttpError(spotify_error(404, "non existing id"))
            elif kind == "track":
                track = catalog.track("spotify", item_id)
                if track is None or not catalog.track_visible(track, market, now):
                    raise HttpError(spotify_error(404, "non existing id"))
            elif kind == "artist" and catalog.artist("spotify", item_id) is None:
                raise HttpError(spotify_error(404, "non existing id"))

    def _apply_write(
        self,
        user: User,
        keys: list[str],
        must_exist: list[tuple[str, str]],
        remove: bool,
        ok: Response,
    ) -> Response:
        """The tail of every library write: remove, or check existence then save (one
        clock reading for both)."""
        if remove:
            remove_items(self.state, user, keys)
            return ok
        now = self.state.clock.now()
        self._check_exists(must_exist, user.country, now)
        save_items(self.state, user, keys, now)
        return ok

    async def _library_write(self, req: Request, remove: bool) -> Response:
        # The hot path of every delivery benchmark: one pass over the URIs for scopes and
        # existence, one clock reading.
        tok, user, _app = self._auth_user(req)
        parsed = self._library_uris(req, write=True)
        granted = tok.grant.scopes
        follow_flag = self.state.config.library_artist_requires_follow_scope
        for _uri, kind, _id in parsed:
            scope = FOLLOW_MODIFY if follow_flag and kind in FOLLOW_TYPES else LIB_MODIFY
            if scope not in granted:
                return spotify_error(403, "Insufficient client scope")
        keys = [uri for uri, _k, _i in parsed]
        must_exist = [(k, i) for _u, k, i in parsed]
        return self._apply_write(user, keys, must_exist, remove, OK_EMPTY_OBJECT)

    async def library_save(self, req: Request) -> Response:
        return await self._library_write(req, remove=False)

    async def library_remove(self, req: Request) -> Response:
        return await self._library_write(req, remove=True)

    async def library_contains(self, req: Request) -> Response:
        tok, user, _app = self._auth_user(req)
        parsed = self._library_uris(req, write=False)
        for scope in self._needed_scopes(parsed, write=False):
            if scope not in tok.grant.scopes:
                return spotify_error(403, "Insufficient client scope")
        library = user.library
        return json_response([uri in library for uri, _k, _i in parsed])

    # -- legacy endpoints (extended-quota apps only) ------------------------------------------
    def _legacy_ids(self, req: Request) -> list[str]:
        raw = req.query.get("ids")
        if raw:
            ids = raw.split(",")
        else:
            body: Any = None
            try:
                body = req.json()
            except ValueError:
                raise HttpError(spotify_error(400, "Error parsing JSON.")) from None
            raw_ids = body.get("ids") if isinstance(body, dict) else None
            if not raw_ids or not isinstance(raw_ids, list):
                raise HttpError(spotify_error(400, "Missing required field: ids"))
            ids = [str(i) for i in raw_ids]
        if len(ids) > MAX_LEGACY_IDS:
            raise HttpError(spotify_error(400, "Too many ids requested"))
        for item_id in ids:
            if not SPOTIFY_ID.match(item_id):
                raise HttpError(spotify_error(400, "Invalid base62 id"))
        return ids

    def _legacy_ctx(self, req: Request, scope: str) -> UserCtx:
        ctx = self._auth_user(req, (scope,))
        if ctx[2].mode == "development":
            raise HttpError(
                spotify_error(403, "This endpoint is not available to development mode apps")
            )
        return ctx

    @staticmethod
    def _legacy_kind(req: Request) -> str:
        return "album" if req.path.startswith("/spotify/v1/me/albums") else "track"

    async def _legacy_write(self, req: Request, remove: bool) -> Response:
        ctx = self._legacy_ctx(req, LIB_MODIFY)
        user = ctx[1]
        kind = self._legacy_kind(req)
        if kind == "track" and not remove:
            stamped = self._timestamped_ids(req)
            if stamped is not None:
                return self._save_timestamped(user, stamped)
        ids = self._legacy_ids(req)
        keys = [f"spotify:{kind}:{i}" for i in ids]
        return self._apply_write(user, keys, [(kind, i) for i in ids], remove, OK_NO_BODY)

    @staticmethod
    def _timestamped_ids(req: Request) -> list[tuple[str, float]] | None:
        """``timestamped_ids`` of a PUT /me/tracks JSON body: [(id, added_at)], or None when
        the body has none (then ``ids`` apply). When present it wins over every ``ids``."""
        if not req.body:
            return None
        try:
            body = req.json()
        except ValueError:
            raise HttpError(spotify_error(400, "Error parsing JSON.")) from None
        if not isinstance(body, dict) or "timestamped_ids" not in body:
            return None
        raw = body["timestamped_ids"]
        if not isinstance(raw, list) or not raw:
            raise HttpError(spotify_error(400, "Missing required field: timestamped_ids"))
        if len(raw) > MAX_LEGACY_IDS:
            raise HttpError(spotify_error(400, "Too many ids requested"))
        out = []
        for item in raw:
            if not isinstance(item, dict) or "id" not in item or "added_at" not in item:
                raise HttpError(spotify_error(400, "timestamped_ids items need id and added_at"))
            item_id = str(item["id"])
            if not SPOTIFY_ID.match(item_id):
                raise HttpError(spotify_error(400, "Invalid base62 id"))
            try:
                added = parse_instant(str(item["added_at"]))
            except ValueError:
                raise HttpError(spotify_error(400, "Invalid added_at timestamp")) from None
            out.append((item_id, added))
        return out

    def _save_timestamped(self, user: User, stamped: list[tuple[str, float]]) -> Response:
        now = self.state.clock.now()
        self._check_exists([("track", i) for i, _at in stamped], user.country, now)
        for item_id, added in stamped:
            save_items(self.state, user, [f"spotify:track:{item_id}"], added)
        return OK_NO_BODY

    async def legacy_save(self, req: Request) -> Response:
        return await self._legacy_write(req, remove=False)

    async def legacy_remove(self, req: Request) -> Response:
        return await self._legacy_write(req, remove=True)

    async def legacy_contains(self, req: Request) -> Response:
        ctx = self._legacy_ctx(req, LIB_READ)
        user = ctx[1]
        ids = self._legacy_ids(req)
        kind = self._legacy_kind(req)
        return json_response([f"spotify:{kind}:{i}" in user.library for i in ids])

    def _following_type(self, req: Request) -> str:
        kind = req.query.get("type")
        if not kind:
            raise HttpError(spotify_error(400, "Missing required field: type"))
        if kind not in FOLLOW_TYPES:
            raise HttpError(spotify_error(400, "Invalid type"))
        return kind

    async def _following_write(self, req: Request, remove: bool) -> Response:
        ctx = self._legacy_ctx(req, FOLLOW_MODIFY)
        user = ctx[1]
        kind = self._following_type(req)
        ids = self._legacy_ids(req) if kind == "artist" else req.query.get("ids", "").split(",")
        keys = [f"spotify:{kind}:{i}" for i in ids if i]
        if not keys:
            return spotify_error(400, "Missing required field: ids")
        # Users being followed are not catalog items: only artists must exist.
        must_exist = [("artist", i) for i in ids] if kind == "artist" else []
        return self._apply_write(user, keys, must_exist, remove, NO_CONTENT)

    async def following_save(self, req: Request) -> Response:
        return await self._following_write(req, remove=False)

    async def following_remove(self, req: Request) -> Response:
        return await self._following_write(req, remove=True)

    async def following_contains(self, req: Request) -> Response:
        ctx = self._legacy_ctx(req, FOLLOW_READ)
        user = ctx[1]
        kind = self._following_type(req)
        ids = [i for i in req.query.get("ids", "").split(",") if i]
        if not ids:
            return spotify_error(400, "Missing required field: ids")
        if len(ids) > MAX_LEGACY_IDS:
            return spotify_error(400, "Too many ids requested")
        return json_response([f"spotify:{kind}:{i}" in user.library for i in ids])

    # -- catalog ---------------------------------------------------------------------------
    def _catalog_ctx(self, req: Request) -> tuple[Builder, App, str]:
        _tok, user, app = self._auth(req, need_user=False)
        market = self._market(req, user)
        item_id = req.params.get("id")
        if item_id is not None and not SPOTIFY_ID.match(item_id):
            raise HttpError(spotify_error(400, "Invalid base62 id"))
        return self._builder(req, market, app), app, market

    def _visible_album(self, item_id: str, market: str) -> Album | None:
        catalog = self.state.catalog
        album = catalog.album("spotify", item_id)
        if album is None or not catalog.album_visible(album, market, self.state.clock.now()):
            return None
        return album

    async def album(self, req: Request) -> Response:
        builder, _app, market = self._catalog_ctx(req)
        album = self._visible_album(req.params["id"], market)
        if album is None:
            return spotify_error(404, "non existing id")
        return json_response(builder.album(album))

    async def album_tracks(self, req: Request) -> Response:
        builder, _app, market = self._catalog_ctx(req)
        album = self._visible_album(req.params["id"], market)
        limit, offset = _limit_offset(req, default=20, maximum=ALBUM_TRACKS_PAGE)
        if album is None:
            return spotify_error(404, "non existing id")
        return json_response(builder.album_tracks(album, offset, limit))

    async def track(self, req: Request) -> Response:
        builder, _app, market = self._catalog_ctx(req)
        catalog = self.state.catalog
        track = catalog.track("spotify", req.params["id"])
        if track is None or not catalog.track_visible(track, market, builder.now):
            return spotify_error(404, "non existing id")
        return json_response(builder.track(track))

    async def artist(self, req: Request) -> Response:
        ctx = self._catalog_ctx(req)
        builder = ctx[0]
        artist = self.state.catalog.artist("spotify", req.params["id"])
        if artist is None:
            return spotify_error(404, "non existing id")
        return json_response(builder.artist(artist))

    async def artist_albums(self, req: Request) -> Response:
        builder, app, market = self._catalog_ctx(req)
        catalog = self.state.catalog
        artist = catalog.artist("spotify", req.params["id"])
        if artist is None:
            return spotify_error(404, "non existing id")
        page = _paging_params(req, app)
        limit, offset = page
        groups_raw = req.query.get("include_groups")
        groups = set(groups_raw.split(",")) if groups_raw else None
        items = []
        for album in catalog.albums.values():
            if artist.key not in album.artist_keys:
                continue
            if not catalog.album_visible(album, market, builder.now):
                continue
            if groups is not None and album.album_type not in groups:
                continue
            item = builder.simplified_album(album)
            item["album_group"] = album.album_type
            items.append(item)
        href = f"{builder.api}/artists/{artist.ids['spotify']}/albums"
        extra = {"include_groups": groups_raw} if groups_raw else None
        return json_response(
            builder.paging(href, items[offset : offset + limit], offset, limit, len(items), extra)
        )

    async def search(self, req: Request) -> Response:
        builder, app, _market = self._catalog_ctx(req)
        page = _paging_params(req, app)
        return search(req, builder, *page)


def _paging_params(req: Request, app: App) -> tuple[int, int]:
    """limit/offset with the mode's bounds: development default 5, max 10; else 20 / 50."""
    default, maximum = (5, 10) if app.mode == "development" else (20, 50)
    return _limit_offset(req, default, maximum)


def _limit_offset(req: Request, default: int, maximum: int) -> tuple[int, int]:
    try:
        limit = int(req.query.get("limit", default))
        offset = int(req.query.get("offset", 0))
    except ValueError:
        raise HttpError(spotify_error(400, "Invalid limit")) from None
    if not 0 < limit <= maximum:
        raise HttpError(spotify_error(400, "Invalid limit"))
    if not 0 <= offset <= 1000:
        raise HttpError(spotify_error(400, "Invalid offset"))
    return limit, offset
