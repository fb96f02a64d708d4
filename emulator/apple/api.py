"""Apple Music API under /apple/v1: add to library (202), library reads, storefront, catalog
lookups by UPC / ISRC / id. Developer token in ``Authorization``, user in ``Music-User-Token``.
"""

from __future__ import annotations

from typing import Any

from ..actions import grant_is_revoked, save_items
from ..catalog import Album, Track
from ..errors import apple_error
from ..http import HttpError, Request, Response, Router, json_response
from ..markets import MARKET_TIME_ZONES
from ..state import App, State, User
from .auth import DeveloperTokens

BASE = "/apple/v1"
ACCEPTED = Response(202, b"", [])
CORS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-headers", b"authorization, music-user-token, content-type"),
    (b"access-control-allow-methods", b"GET, POST, DELETE, OPTIONS"),
]
LIBRARY_KINDS = {"albums": "album", "songs": "song", "playlists": "playlist"}


class AppleApi:
    def __init__(self, state: State) -> None:
        self.state = state
        self.tokens = DeveloperTokens(state)

    def routes(self, router: Router) -> None:
        add = router.add
        add("POST", f"{BASE}/me/library", self.add_to_library, "apple", api=True)
        add("GET", f"{BASE}/me/library/albums", self.library_list, "apple", api=True)
        add("GET", f"{BASE}/me/library/songs", self.library_list, "apple", api=True)
        add("GET", f"{BASE}/me/storefront", self.storefront, "apple", api=True)
        add("GET", f"{BASE}/catalog/{{storefront}}/albums", self.albums, "apple", api=True)
        add("GET", f"{BASE}/catalog/{{storefront}}/albums/{{id}}", self.album, "apple", api=True)
        add("GET", f"{BASE}/catalog/{{storefront}}/songs", self.songs, "apple", api=True)
        add(
            "GET",
            f"{BASE}/catalog/{{storefront}}/artists/{{id}}/albums",
            self.artist_albums,
            "apple",
            api=True,
        )
        add("GET", f"{BASE}/catalog/{{storefront}}/songs/{{id}}", self.song, "apple", api=True)
        for path in ("me/library", "me/library/albums", "me/library/songs", "me/storefront"):
            add("OPTIONS", f"{BASE}/{path}", self.preflight, "apple")
        add("OPTIONS", f"{BASE}/catalog/{{storefront}}/{{kind}}", self.preflight, "apple")

    async def preflight(self, req: Request) -> Response:
        return Response(204, b"", CORS)

    # -- auth -----------------------------------------------------------------------------
    def _developer(self, req: Request) -> App:
        raw = req.header(b"authorization")
        if raw is None or raw[:7] != b"Bearer ":
            raise HttpError(_cors(apple_error(401, "Missing developer token", "40100")))
        app = self.tokens.verify(raw[7:].decode("latin-1"))
        if isinstance(app, str):
            raise HttpError(_cors(apple_error(401, app, "40100")))
        state = self.state
        retry = state.limiter.hit(app.limiter_key, app.rate_limit, app.window_s)
        if retry:
            state.stats.rate_limited += 1
            raise HttpError(
                _cors(
                    apple_error(
                        429, "Too many requests", "42900", [(b"retry-after", str(retry).encode())]
                    )
                )
            )
        return app

    def _user(self, req: Request) -> tuple[App, User]:
        app = self._developer(req)
        raw = req.header(b"music-user-token")
        state = self.state
        tok = state.access_tokens.get(raw.decode("latin-1")) if raw else None
        if (
            tok is None
            or tok.grant.platform != "apple"
            or tok.grant.client_id != app.client_id
            or grant_is_revoked(state, tok.grant)
            or (tok.expires_at is not None and state.clock.now() >= tok.expires_at)
        ):
            raise HttpError(_cors(apple_error(403, "Invalid authentication", "40300")))
        user = state.user("apple", tok.grant.user_id)
        if user is None:
            raise HttpError(_cors(apple_error(403, "Invalid authentication", "40300")))
        return app, user

    # -- resources ------------------------------------------------------------------------
    def album_res(self, album: Album, storefront: str, with_tracks: bool) -> dict[str, Any]:
        aid = album.ids["apple"]
        catalog = self.state.catalog
        artists = [catalog.artists[k] for k in album.artist_keys]
        out: dict[str, Any] = {
            "id": aid,
            "type": "albums",
            "href": f"/v1/catalog/{storefront}/albums/{aid}",
            "attributes": {
                "name": album.name,
                "artistName": " & ".join(a.name for a in artists),
                "upc": album.upc,
                "releaseDate": (album.release_date or "1970-01-01")[:10],
                "trackCount": len(album.track_keys),
                "recordLabel": album.label,
                "isSingle": album.album_type == "single",
                "isCompilation": album.album_type == "compilation",
                "isComplete": True,
                "genreNames": [],
                "url": f"https://music.apple.com/{storefront}/album/{aid}",
                "playParams": {"id": aid, "kind": "album"},
            },
            "relationships": {
                "artists": {
                    "data": [
                        {
                            "id": a.ids["apple"],
                            "type": "artists",
                            "href": f"/v1/catalog/{storefront}/artists/{a.ids['apple']}",
                        }
                        for a in artists
                    ]
                }
            },
        }
        if with_tracks:
            out["relationships"]["tracks"] = {
                "data": [self.song_res(catalog.tracks[k], storefront) for k in album.track_keys]
            }
        return out

    def song_res(self, track: Track, storefront: str) -> dict[str, Any]:
        sid = track.ids["apple"]
        catalog = self.state.catalog
        album = catalog.albums.get(track.album_key)
        return {
            "id": sid,
            "type": "songs",
            "href": f"/v1/catalog/{storefront}/songs/{sid}",
            "attributes": {
                "name": track.name,
                "isrc": track.isrc,
                "artistName": " & ".join(catalog.artists[k].name for k in track.artist_keys),
                "albumName": album.name if album else "",
                "durationInMillis": track.duration_ms,
                "trackNumber": track.track_number,
                "discNumber": track.disc_number,
                "releaseDate": ((album.release_date if album else None) or "1970-01-01")[:10],
                "url": f"https://music.apple.com/{storefront}/song/{sid}",
                "playParams": {"id": sid, "kind": "song"},
            },
        }

    # -- library --------------------------------------------------------------------------
    async def add_to_library(self, req: Request) -> Response:
        _app, user = self._user(req)
        wanted: list[tuple[str, str]] = []
        for kind in LIBRARY_KINDS:
            raw = req.query.get(f"ids[{kind}]")
            if raw:
                wanted.extend((kind, i) for i in raw.split(",") if i)
        if not wanted:
            return _cors(apple_error(400, "No ids were supplied on the request", "40005"))
        catalog, now, market = self.state.catalog, self.state.clock.now(), user.country
        keys = []
        for kind, item_id in wanted:
            # Ids that cannot be added (unknown, not yet released) are silently ignored.
            if kind == "albums":
                album = catalog.album("apple", item_id)
                if album is None or not catalog.album_visible(album, market, now):
                    continue
            elif kind == "songs":
                track = catalog.track("apple", item_id)
                if track is None or not catalog.track_visible(track, market, now):
                    continue
            keys.append(f"{kind}:{item_id}")
        save_items(self.state, user, keys)
        return _cors(ACCEPTED)

    async def library_list(self, req: Request) -> Response:
        _app, user = self._user(req)
        kind = req.path.rsplit("/", 1)[1]
        try:
            limit = int(req.query.get("limit", 25))
            offset = int(req.query.get("offset", 0))
        except ValueError:
            return _cors(apple_error(400, "Invalid limit or offset", "40001"))
        if not 0 < limit <= 100:
            return _cors(apple_error(400, "limit must be between 1 and 100", "40001"))
        storefront = user.country.lower()
        catalog = self.state.catalog
        items = []
        for key in user.library:
            if not key.startswith(kind + ":"):
                continue
            cid = key.split(":", 1)[1]
            item = catalog.album("apple", cid) if kind == "albums" else catalog.track("apple", cid)
            if item is None:
                continue
            catalog_res = (
                self.album_res(item, storefront, False)
                if isinstance(item, Album)
                else self.song_res(item, storefront)
            )
            attributes = dict(catalog_res["attributes"])
            attributes["playParams"] = {
                "id": f"l.{cid}",
                "kind": LIBRARY_KINDS[kind],
                "isLibrary": True,
                "catalogId": cid,
            }
            attributes.pop("url", None)
            items.append(
                {
                    "id": f"l.{cid}",
                    "type": f"library-{kind}",
                    "href": f"/v1/me/library/{kind}/l.{cid}",
                    "attributes": attributes,
                    "relationships": {"catalog": {"data": [catalog_res]}},
                }
            )
        page: dict[str, Any] = {
            "data": items[offset : offset + limit],
            "meta": {"total": len(items)},
        }
        if offset + limit < len(items):
            page["next"] = f"/v1/me/library/{kind}?offset={offset + limit}"
        return _cors(json_response(page))

    async def storefront(self, req: Request) -> Response:
        ctx = self._user(req)
        sf = ctx[1].country.lower()
        res = {
            "id": sf,
            "type": "storefronts",
            "href": f"/v1/storefronts/{sf}",
            "attributes": {
                "name": ctx[1].country,
                "defaultLanguageTag": "en-US",
                "supportedLanguageTags": ["en-US"],
                "explicitContentPolicy": "allowed",
            },
        }
        return _cors(json_response({"data": [res]}))

    # -- catalog --------------------------------------------------------------------------
    def _catalog_ctx(self, req: Request) -> str:
        self._developer(req)
        storefront = req.params["storefront"].lower()
        if storefront.upper() not in MARKET_TIME_ZONES:
            raise HttpError(_cors(apple_error(400, f"Invalid storefront: {storefront}", "40002")))
        return storefront

    def _visible_album(self, album: Album | None, storefront: str) -> bool:
        catalog = self.state.catalog
        return album is not None and catalog.album_visible(
            album, storefront.upper(), self.state.clock.now()
        )

    async def albums(self, req: Request) -> Response:
        sf = self._catalog_ctx(req)
        catalog = self.state.catalog
        upc, ids = req.query.get("filter[upc]"), req.query.get("ids")
        found: list[Album | None] = []
        if upc:
            found = [catalog.albums.get(catalog.by_upc.get(u, "")) for u in upc.split(",")]
        elif ids:
            found = [catalog.album("apple", i) for i in ids.split(",")]
        else:
            return _cors(apple_error(400, "Missing filter[upc] or ids", "40005"))
        data = [self.album_res(a, sf, True) for a in found if a and self._visible_album(a, sf)]
        return _cors(json_response({"data": data}))

    async def album(self, req: Request) -> Response:
        sf = self._catalog_ctx(req)
        album = self.state.catalog.album("apple", req.params["id"])
        if album is None or not self._visible_album(album, sf):
            return _cors(apple_error(404, "Resource with requested id was not found", "40400"))
        return _cors(json_response({"data": [self.album_res(album, sf, True)]}))

    async def artist_albums(self, req: Request) -> Response:
        """An artist's albums released in the storefront, paged by ``limit`` / ``offset``."""
        sf = self._catalog_ctx(req)
        catalog = self.state.catalog
        artist = catalog.artist("apple", req.params["id"])
        if artist is None:
            return _cors(apple_error(404, "Resource with requested id was not found", "40400"))
        try:
            limit = min(100, max(1, int(req.query.get("limit", 25))))
            offset = max(0, int(req.query.get("offset", 0)))
        except ValueError:
            return _cors(apple_error(400, "Invalid limit or offset", "40005"))
        albums = [
            self.album_res(album, sf, False)
            for album in catalog.albums.values()
            if artist.key in album.artist_keys and self._visible_album(album, sf)
        ]
        body: dict[str, Any] = {"data": albums[offset : offset + limit]}
        if offset + limit < len(albums):
            aid = artist.ids["apple"]
            body["next"] = f"/v1/catalog/{sf}/artists/{aid}/albums?offset={offset + limit}"
        return _cors(json_response(body))

    def _visible_track(self, track: Track | None, sf: str) -> bool:
        catalog = self.state.catalog
        return track is not None and catalog.track_visible(
            track, sf.upper(), self.state.clock.now()
        )

    async def songs(self, req: Request) -> Response:
        sf = self._catalog_ctx(req)
        catalog = self.state.catalog
        isrc, ids = req.query.get("filter[isrc]"), req.query.get("ids")
        found: list[Track | None] = []
        if isrc:
            for code in isrc.split(","):
                found.extend(catalog.tracks[k] for k in catalog.by_isrc.get(code, []))
        elif ids:
            found = [catalog.track("apple", i) for i in ids.split(",")]
        else:
            return _cors(apple_error(400, "Missing filter[isrc] or ids", "40005"))
        data = [self.song_res(t, sf) for t in found if t and self._visible_track(t, sf)]
        return _cors(json_response({"data": data}))

    async def song(self, req: Request) -> Response:
        sf = self._catalog_ctx(req)
        track = self.state.catalog.track("apple", req.params["id"])
        if track is None or not self._visible_track(track, sf):
            return _cors(apple_error(404, "Resource with requested id was not found", "40400"))
        return _cors(json_response({"data": [self.song_res(track, sf)]}))


def _cors(response: Response) -> Response:
    return Response(response.status, response.body, response.headers + CORS[:1])
