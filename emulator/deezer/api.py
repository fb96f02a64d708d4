"""Deezer REST API under /deezer/api: user library writes and reads, UPC / ISRC lookups.

Token as the ``access_token`` query parameter; errors arrive with HTTP 200 and a code (4 quota,
200 permission, 300 token, 500/501 parameter, 800 not found); writes answer ``true``.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..actions import grant_is_revoked, remove_items, save_items
from ..catalog import Album, Artist, Track
from ..errors import deezer_error
from ..http import JSON_HEADERS, HttpError, Request, Response, Router, json_response
from ..ids import DIGITS
from ..state import DEFAULT_RATE_LIMITS, AccessToken, State, User

BASE = "/deezer/api"
TRUE = Response(200, b"true", JSON_HEADERS)
WWW = "https://www.deezer.com"
KINDS = {
    "albums": ("album", "album_id"),
    "tracks": ("track", "track_id"),
    "artists": ("artist", "artist_id"),
}
# Deezer's permissions for library writes and removals.
WRITE_PERM, DELETE_PERM = "manage_library", "delete_library"

Ctx = tuple[AccessToken | None, User | None]


class DeezerApi:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self, router: Router) -> None:
        add = router.add
        add("GET", f"{BASE}/user/me", self.me, "deezer", api=True)
        for kind in KINDS:
            for method in ("GET", "POST", "DELETE"):
                add(method, f"{BASE}/user/me/{kind}", self.library, "deezer", api=True)
        add("GET", f"{BASE}/album/{{id}}", self.album, "deezer", api=True)
        add("GET", f"{BASE}/track/{{id}}", self.track, "deezer", api=True)
        add("GET", f"{BASE}/artist/{{id}}", self.artist, "deezer", api=True)
        add("GET", f"{BASE}/artist/{{id}}/albums", self.artist_albums, "deezer", api=True)

    # -- auth and quota -------------------------------------------------------------------
    def _ctx(self, req: Request, need_user: bool) -> Ctx:
        state = self.state
        raw = req.query.get("access_token")
        tok: AccessToken | None = None
        user: User | None = None
        if raw:
            tok = state.access_tokens.get(raw)
            if (
                tok is None
                or tok.grant.platform != "deezer"
                or grant_is_revoked(state, tok.grant)
                or (tok.expires_at is not None and state.clock.now() >= tok.expires_at)
            ):
                raise HttpError(deezer_error(300, "Invalid OAuth access token."))
            user = state.user("deezer", tok.grant.user_id)
        elif need_user:
            raise HttpError(
                deezer_error(
                    200,
                    "An active access token must be used to query information about the "
                    "current user",
                )
            )
        # Quota per app for token calls; anonymous lookups count per client address.
        app = state.app("deezer", tok.grant.client_id) if tok else None
        if app is not None:
            key, limit, window = app.limiter_key, app.rate_limit, app.window_s
        else:
            limit, window = DEFAULT_RATE_LIMITS["deezer"]
            key = f"deezer:anonymous:{req.client_host}"
        if state.limiter.hit(key, limit, window):
            state.stats.rate_limited += 1
            raise HttpError(deezer_error(4, "Quota limit exceeded"))
        return tok, user

    def _market(self, user: User | None) -> str:
        return user.country if user is not None else self.state.config.default_market

    # -- objects ---------------------------------------------------------------------------
    def _artist_brief(self, artist: Artist, api: str) -> dict[str, Any]:
        aid = artist.ids["deezer"]
        return {
            "id": int(aid),
            "name": artist.name,
            "link": f"{WWW}/artist/{aid}",
            "picture": f"{api}/artist/{aid}/image",
            "tracklist": f"{api}/artist/{aid}/top?limit=50",
            "type": "artist",
        }

    def artist_obj(self, artist: Artist, api: str) -> dict[str, Any]:
        out = self._artist_brief(artist, api)
        albums = sum(1 for a in self.state.catalog.albums.values() if artist.key in a.artist_keys)
        out.update(
            nb_album=albums,
            nb_fan=artist.followers + artist.fans.get("deezer", 0),
            radio=False,
        )
        return out

    def _album_brief(self, album: Album, api: str) -> dict[str, Any]:
        aid = album.ids["deezer"]
        catalog = self.state.catalog
        out: dict[str, Any] = {
            "id": int(aid),
            "title": album.name,
            "upc": album.deezer_upc,
            "link": f"{WWW}/album/{aid}",
            "cover": f"{api}/album/{aid}/image",
            "nb_tracks": len(album.track_keys),
            "release_date": (album.release_date or "1970-01-01")[:10],
            "record_type": album.album_type,
            "available": True,
            "explicit_lyrics": False,
            "tracklist": f"{api}/album/{aid}/tracks",
            "type": "album",
        }
        if album.artist_keys:
            out["artist"] = self._artist_brief(catalog.artists[album.artist_keys[0]], api)
        return out

    def album_obj(self, album: Album, api: str) -> dict[str, Any]:
        out = self._album_brief(album, api)
        catalog = self.state.catalog
        out.update(
            label=album.label,
            fans=0,
            contributors=[self._artist_brief(catalog.artists[k], api) for k in album.artist_keys],
            tracks={
                "data": [self.track_obj(catalog.tracks[k], api, False) for k in album.track_keys]
            },
        )
        return out

    def track_obj(self, track: Track, api: str, full: bool = True) -> dict[str, Any]:
        tid = track.ids["deezer"]
        catalog = self.state.catalog
        album = catalog.albums.get(track.album_key)
        out: dict[str, Any] = {
            "id": int(tid),
            "readable": True,
            "title": track.name,
            "isrc": track.isrc,
            "link": f"{WWW}/track/{tid}",
            "duration": track.duration_ms // 1000,
            "track_position": track.track_number,
            "disk_number": track.disc_number,
            "explicit_lyrics": track.explicit,
            "type": "track",
        }
        if track.artist_keys:
            out["artist"] = self._artist_brief(catalog.artists[track.artist_keys[0]], api)
        if full and album is not None:
            out["release_date"] = (album.release_date or "1970-01-01")[:10]
            out["album"] = self._album_brief(album, api)
        return out

    def user_obj(self, user: User, scopes: frozenset[str], api: str) -> dict[str, Any]:
        first, _, last = user.name.partition(" ")
        out: dict[str, Any] = {
            "id": int(user.id) if user.id.isdigit() else user.id,
            "name": user.name,
            "lastname": last,
            "firstname": first,
            "status": 2 if user.premium else 0,
            "country": user.country,
            "lang": "EN",
            "link": f"{WWW}/profile/{user.id}",
            "picture": f"{api}/user/{user.id}/image",
            "tracklist": f"{api}/user/{user.id}/flow",
            "type": "user",
        }
        if "email" in scopes:
            out["email"] = user.email
        return out

    # -- handlers --------------------------------------------------------------------------
    async def me(self, req: Request) -> Response:
        tok, user = self._ctx(req, need_user=True)
        if user is None or tok is None:
            return deezer_error(800, "no data")
        return json_response(self.user_obj(user, tok.grant.scopes, req.base_url + BASE))

    async def library(self, req: Request) -> Response:
        tok, user = self._ctx(req, need_user=True)
        if user is None or tok is None:
            return deezer_error(800, "no data")
        kind, param = KINDS[req.path.rsplit("/", 1)[1]]
        # Deezer accepts ``request_method`` to tunnel POST/DELETE through GET.
        method = req.query.get("request_method", req.method).upper()
        if method == "GET":
            return self._list(req, user, kind)
        perm = WRITE_PERM if method == "POST" else DELETE_PERM
        if perm not in tok.grant.scopes:
            return deezer_error(200, "Permission denied")
        item_id = req.query.get(param)
        if not item_id:
            return deezer_error(501, f"Missing parameters: {param}")
        if not DIGITS.match(item_id):
            return deezer_error(500, f"Wrong parameter: {param}")
        key = f"{kind}:{item_id}"
        if method == "DELETE":
            remove_items(self.state, user, [key])
            return TRUE
        if not self._exists(kind, item_id, user.country):
            return deezer_error(800, "no data")
        save_items(self.state, user, [key])
        return TRUE

    def _exists(self, kind: str, item_id: str, market: str) -> bool:
        catalog, now = self.state.catalog, self.state.clock.now()
        if kind == "album":
            album = catalog.album("deezer", item_id)
            return album is not None and catalog.album_visible(album, market, now)
        if kind == "track":
            track = catalog.track("deezer", item_id)
            return track is not None and catalog.track_visible(track, market, now)
        return catalog.artist("deezer", item_id) is not None

    def _list(self, req: Request, user: User, kind: str) -> Response:
        try:
            index = int(req.query.get("index", 0))
            limit = int(req.query.get("limit", 25))
        except ValueError:
            return deezer_error(500, "Wrong parameter: index")
        api = req.base_url + BASE
        catalog = self.state.catalog
        prefix = f"{kind}:"
        items = []
        for key, added in user.library.items():
            if not key.startswith(prefix):
                continue
            item_id = key[len(prefix) :]
            obj: dict[str, Any] | None = None
            if kind == "album" and (album := catalog.album("deezer", item_id)):
                obj = self._album_brief(album, api)
            elif kind == "track" and (track := catalog.track("deezer", item_id)):
                obj = self.track_obj(track, api)
            elif kind == "artist" and (artist := catalog.artist("deezer", item_id)):
                obj = self.artist_obj(artist, api)
            if obj is not None:
                obj["time_add"] = int(added)
                items.append(obj)
        page: dict[str, Any] = {"data": items[index : index + limit], "total": len(items)}
        if index + limit < len(items):
            page["next"] = f"{api}/user/me/{kind}s?index={index + limit}&limit={limit}"
        if index > 0:
            page["prev"] = f"{api}/user/me/{kind}s?index={max(0, index - limit)}&limit={limit}"
        return Response(200, orjson.dumps(page), JSON_HEADERS)

    async def album(self, req: Request) -> Response:
        ctx = self._ctx(req, need_user=False)
        catalog = self.state.catalog
        raw = req.params["id"]
        album: Album | None = None
        if raw.startswith("upc:"):
            key = catalog.by_deezer_upc.get(raw[4:])
            album = catalog.albums.get(key) if key else None
        elif DIGITS.match(raw):
            album = catalog.album("deezer", raw)
        if album is None or not catalog.album_visible(
            album, self._market(ctx[1]), self.state.clock.now()
        ):
            return deezer_error(800, "no data")
        return json_response(self.album_obj(album, req.base_url + BASE))

    async def track(self, req: Request) -> Response:
        ctx = self._ctx(req, need_user=False)
        catalog = self.state.catalog
        raw = req.params["id"]
        track: Track | None = None
        if raw.startswith("isrc:"):
            keys = catalog.by_isrc.get(raw[5:]) or []
            track = catalog.tracks[keys[0]] if keys else None
        elif DIGITS.match(raw):
            track = catalog.track("deezer", raw)
        if track is None or not catalog.track_visible(
            track, self._market(ctx[1]), self.state.clock.now()
        ):
            return deezer_error(800, "no data")
        return json_response(self.track_obj(track, req.base_url + BASE))

    async def artist_albums(self, req: Request) -> Response:
        """The artist's released albums (in the caller's market), paged by index / limit."""
        ctx = self._ctx(req, need_user=False)
        catalog = self.state.catalog
        artist = catalog.artist("deezer", req.params["id"])
        if artist is None:
            return deezer_error(800, "no data")
        try:
            index = max(0, int(req.query.get("index", 0)))
            limit = min(100, max(1, int(req.query.get("limit", 25))))
        except ValueError:
            return deezer_error(500, "Wrong parameter")
        market, now, api = self._market(ctx[1]), self.state.clock.now(), req.base_url + BASE
        albums = [
            self._album_brief(album, api)
            for album in catalog.albums.values()
            if artist.key in album.artist_keys and catalog.album_visible(album, market, now)
        ]
        body: dict[str, Any] = {"data": albums[index : index + limit], "total": len(albums)}
        if index + limit < len(albums):
            aid = artist.ids["deezer"]
            body["next"] = f"{api}/artist/{aid}/albums?index={index + limit}&limit={limit}"
        return json_response(body)

    async def artist(self, req: Request) -> Response:
        self._ctx(req, need_user=False)
        artist = self.state.catalog.artist("deezer", req.params["id"])
        if artist is None:
            return deezer_error(800, "no data")
        return json_response(self.artist_obj(artist, req.base_url + BASE))
