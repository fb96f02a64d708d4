"""GET /spotify/v1/search: field filters (upc, isrc, album, artist, track, year) and free text.

``upc:`` and ``isrc:`` use indexes; other queries scan the catalog, which is fine for the
catalog sizes a test or benchmark seeds. Unreleased items (caller's market) are never found.
"""

from __future__ import annotations

import re
from typing import Any

from ..catalog import Album, Artist, Track
from ..errors import spotify_error
from ..http import Request, Response, json_response
from .objects import Builder

SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
FIELD = re.compile(r'(\w+):("[^"]*"|\S+)')


def parse_query(q: str) -> tuple[dict[str, str], str]:
    fields: dict[str, str] = {}

    def take(m: re.Match[str]) -> str:
        fields[m.group(1).lower()] = m.group(2).strip('"')
        return " "

    text = FIELD.sub(take, q)
    return fields, " ".join(text.split()).lower()


def _contains(haystack: str, needle: str | None) -> bool:
    return needle is None or needle.lower() in haystack.lower()


def search(req: Request, builder: Builder, limit: int, offset: int) -> Response:
    q = req.query.get("q")
    if not q:
        return spotify_error(400, "No search query")
    types_raw = req.query.get("type")
    if not types_raw:
        return spotify_error(400, "Missing parameter type")
    types = types_raw.split(",")
    for t in types:
        if t not in SEARCH_TYPES:
            return spotify_error(400, "Bad search type field")
    fields, text = parse_query(q)
    catalog, market, now = builder.catalog, builder.market, builder.now
    out: dict[str, Any] = {}
    href = f"{builder.api}/search"

    def page(kind: str, items: list[Any]) -> None:
        extra = {"query": q, "type": kind}
        out[kind + "s"] = builder.paging(
            href, items[offset : offset + limit], offset, limit, len(items), extra
        )

    def artists_match(keys: list[str]) -> bool:
        wanted = fields.get("artist")
        return wanted is None or any(_contains(catalog.artists[k].name, wanted) for k in keys)

    def album_match(album: Album) -> bool:
        if "upc" in fields and album.upc != fields["upc"]:
            return False
        if "isrc" in fields or "track" in fields:
            return False
        year = fields.get("year")
        if year and not (album.release_date or "").startswith(year):
            return False
        names = album.name + " " + " ".join(catalog.artists[k].name for k in album.artist_keys)
        return (
            _contains(album.name, fields.get("album"))
            and artists_match(album.artist_keys)
            and (not text or text in names.lower())
        )

    def track_match(track: Track) -> bool:
        if "isrc" in fields and track.isrc != fields["isrc"]:
            return False
        if "upc" in fields:
            return False
        album = catalog.albums.get(track.album_key)
        album_name = album.name if album else ""
        return (
            _contains(track.name, fields.get("track"))
            and _contains(album_name, fields.get("album"))
            and artists_match(track.artist_keys)
            and (not text or text in track.name.lower())
        )

    def artist_match(artist: Artist) -> bool:
        if fields.keys() - {"artist", "genre"}:
            return False
        return _contains(artist.name, fields.get("artist")) and (
            not text or text in artist.name.lower()
        )

    for kind in types:
        if kind == "album":
            if set(fields) == {"upc"} and not text:
                key = catalog.by_upc.get(fields["upc"])
                candidates = [catalog.albums[key]] if key else []
            else:
                candidates = [a for a in catalog.albums.values() if album_match(a)]
            page(
                "album",
                [
                    builder.simplified_album(a)
                    for a in candidates
                    if catalog.album_visible(a, market, now)
                ],
            )
        elif kind == "track":
            if set(fields) == {"isrc"} and not text:
                keys = catalog.by_isrc.get(fields["isrc"], [])
                tracks = [catalog.tracks[k] for k in keys]
            else:
                tracks = [t for t in catalog.tracks.values() if track_match(t)]
            page(
                "track",
                [builder.track(t) for t in tracks if catalog.track_visible(t, market, now)],
            )
        elif kind == "artist":
            page("artist", [builder.artist(a) for a in catalog.artists.values() if artist_match(a)])
        else:
            page(kind, [])
    return json_response(out)
