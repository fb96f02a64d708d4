"""Spotify Web API JSON objects (album, artist, track, user, paging) built from the catalog.

Shapes follow the schemas of shared/specs/spotify-web-api.openapi.yml; the conformance test
validates every implemented operation's responses against them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from ..catalog import Album, Artist, Catalog, Track
from ..markets import MARKET_TIME_ZONES
from ..state import User

OPEN = "https://open.spotify.com"
ALBUM_TRACKS_PAGE = 50  # an album's tracks come in pages of at most 50 (embedded and paged)


def _ext(kind: str, item_id: str) -> dict[str, str]:
    return {"spotify": f"{OPEN}/{kind}/{item_id}"}


def _release_date(album: Album) -> str:
    value = album.release_date or "1970-01-01"
    if album.release_date_precision == "year":
        return value[:4]
    if album.release_date_precision == "month":
        return value[:7]
    return value[:10]


class Builder:
    """Builds objects for one request (the API base URL and market are per request)."""

    def __init__(
        self, catalog: Catalog, api: str, market: str, now: float, development: bool
    ) -> None:
        self.catalog = catalog
        self.api = api  # e.g. http://127.0.0.1:8900/spotify/v1
        self.market = market
        self.now = now
        # Development-mode apps get objects without the fields Spotify removed for them in
        # February 2026: artist followers and popularity, album and track popularity,
        # available_markets (README: sources).
        self.full = not development

    def available_markets(self, album: Album) -> list[str]:
        visible = self.catalog.album_visible
        return [m for m in MARKET_TIME_ZONES if visible(album, m, self.now)]

    def simplified_artist(self, artist: Artist) -> dict[str, Any]:
        aid = artist.ids["spotify"]
        return {
            "external_urls": _ext("artist", aid),
            "href": f"{self.api}/artists/{aid}",
            "id": aid,
            "name": artist.name,
            "type": "artist",
            "uri": f"spotify:artist:{aid}",
        }

    def artist(self, artist: Artist) -> dict[str, Any]:
        out = self.simplified_artist(artist)
        out["genres"] = list(artist.genres)
        out["images"] = []
        if self.full:
            total = artist.followers + artist.fans.get("spotify", 0)
            out["followers"] = {"href": None, "total": total}
            out["popularity"] = 0
        return out

    def _artists(self, keys: list[str]) -> list[dict[str, Any]]:
        return [self.simplified_artist(self.catalog.artists[k]) for k in keys]

    def simplified_album(self, album: Album) -> dict[str, Any]:
        aid = album.ids["spotify"]
        out: dict[str, Any] = {
            "album_type": album.album_type,
            "total_tracks": len(album.track_keys),
            "external_urls": _ext("album", aid),
            "href": f"{self.api}/albums/{aid}",
            "id": aid,
            "images": [],
            "name": album.name,
            "release_date": _release_date(album),
            "release_date_precision": album.release_date_precision,
            "type": "album",
            "uri": f"spotify:album:{aid}",
            "artists": self._artists(album.artist_keys),
        }
        if self.full:
            out["available_markets"] = self.available_markets(album)
        return out

    def album(self, album: Album) -> dict[str, Any]:
        out = self.simplified_album(album)
        out["tracks"] = self.album_tracks(album, 0, ALBUM_TRACKS_PAGE)
        year = (album.release_date or "1970")[:4]
        out["copyrights"] = [
            {"text": f"{year} {album.label}".strip(), "type": "C"},
            {"text": f"{year} {album.label}".strip(), "type": "P"},
        ]
        out["external_ids"] = {"upc": album.upc}
        out["genres"] = []
        out["label"] = album.label
        if self.full:
            out["popularity"] = album.popularity
        return out

    def album_tracks(self, album: Album, offset: int, limit: int) -> dict[str, Any]:
        """A page of the album's simplified tracks (embedded in the album, or
        GET /albums/{id}/tracks), with ``next`` while more remain."""
        keys = album.track_keys
        items = [
            self.simplified_track(self.catalog.tracks[k]) for k in keys[offset : offset + limit]
        ]
        href = f"{self.api}/albums/{album.ids['spotify']}/tracks"
        return self.paging(href, items, offset, limit, len(keys))

    def simplified_track(self, track: Track) -> dict[str, Any]:
        tid = track.ids["spotify"]
        out: dict[str, Any] = {
            "artists": self._artists(track.artist_keys),
            "disc_number": track.disc_number,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "external_urls": _ext("track", tid),
            "href": f"{self.api}/tracks/{tid}",
            "id": tid,
            "is_local": False,
            "is_playable": True,
            "name": track.name,
            "preview_url": None,
            "track_number": track.track_number,
            "type": "track",
            "uri": f"spotify:track:{tid}",
        }
        if self.full:
            album = self.catalog.albums.get(track.album_key)
            out["available_markets"] = self.available_markets(album) if album else []
        return out

    def track(self, track: Track) -> dict[str, Any]:
        out = self.simplified_track(track)
        album = self.catalog.albums.get(track.album_key)
        if album is not None:
            out["album"] = self.simplified_album(album)
        out["external_ids"] = {"isrc": track.isrc}
        if self.full:
            out["popularity"] = 0
        return out

    def paging(
        self,
        href: str,
        items: list[Any],
        offset: int,
        limit: int,
        total: int,
        extra: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        def page(at: int) -> str:
            params = {**(extra or {}), "offset": str(at), "limit": str(limit)}
            sep = "&" if "?" in href else "?"
            return href + sep + urlencode(params, quote_via=quote)

        return {
            "href": page(offset),
            "items": items,
            "limit": limit,
            "next": page(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": page(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }


def private_user(user: User, api: str, scopes: frozenset[str], strip: bool) -> dict[str, Any]:
    """GET /v1/me; ``strip`` drops email/country/product (dev-mode apps since Feb 2026)."""
    out: dict[str, Any] = {
        "account_id": f"acc{user.id}",
        "display_name": user.name,
        "external_urls": _ext("user", user.id),
        "followers": {"href": None, "total": 0},
        "href": f"{api}/users/{user.id}",
        "id": user.id,
        "images": [],
        "type": "user",
        "uri": f"spotify:user:{user.id}",
    }
    if not strip:
        if "user-read-email" in scopes:
            out["email"] = user.email
        if "user-read-private" in scopes:
            out["country"] = user.country
            out["product"] = "premium" if user.premium else "free"
            out["explicit_content"] = {"filter_enabled": False, "filter_locked": False}
    return out
