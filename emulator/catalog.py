"""The shared catalog (artists, albums with UPC, tracks with ISRC) and release visibility.

One logical catalog serves all three platforms; each item has an id per platform. An album is
invisible in a market before its release instant: local midnight there, or one global instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from . import ids
from .clock import iso, parse_instant
from .markets import MARKET_TIME_ZONES

PLATFORM_NAMES = ("spotify", "deezer", "apple", "tidal")


@dataclass(slots=True)
class Artist:
    key: str
    name: str
    followers: int = 0
    genres: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    fans: dict[str, int] = field(default_factory=dict)  # platform → emulated users following


@dataclass(slots=True)
class Track:
    key: str
    name: str
    isrc: str
    album_key: str
    artist_keys: list[str]
    duration_ms: int = 180_000
    explicit: bool = False
    track_number: int = 1
    disc_number: int = 1
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Album:
    key: str
    name: str
    upc: str
    artist_keys: list[str]
    album_type: str = "album"
    label: str = ""
    release_date: str | None = None
    release_date_precision: str = "day"
    release_at: float | None = None  # one global instant; else local midnight per market
    deezer_upc: str = ""
    popularity: int = 0
    track_keys: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)


class CatalogError(ValueError):
    pass


def _ids_for(kind: str, key: str, given: dict[str, Any] | None) -> dict[str, str]:
    given = given or {}
    return {p: str(given.get(p) or ids.catalog_id(p, kind, key)) for p in PLATFORM_NAMES}


def _release_date_start(value: str) -> date:
    parts = [int(p) for p in value.split("-")]
    while len(parts) < 3:
        parts.append(1)
    return date(parts[0], parts[1], parts[2])


class Catalog:
    def __init__(self) -> None:
        self.artists: dict[str, Artist] = {}
        self.albums: dict[str, Album] = {}
        self.tracks: dict[str, Track] = {}
        self.by_id: dict[tuple[str, str, str], str] = {}  # (platform, kind, id) → key
        self.by_upc: dict[str, str] = {}
        self.by_deezer_upc: dict[str, str] = {}
        self.by_isrc: dict[str, list[str]] = {}
        self._release_cache: dict[tuple[str, str], float | None] = {}

    # -- lookups ------------------------------------------------------------------------
    def artist(self, platform: str, item_id: str) -> Artist | None:
        key = self.by_id.get((platform, "artist", item_id))
        return self.artists.get(key) if key else None

    def album(self, platform: str, item_id: str) -> Album | None:
        key = self.by_id.get((platform, "album", item_id))
        return self.albums.get(key) if key else None

    def track(self, platform: str, item_id: str) -> Track | None:
        key = self.by_id.get((platform, "track", item_id))
        return self.tracks.get(key) if key else None

    def release_instant(self, album: Album, market: str) -> float | None:
        """Epoch at which ``album`` becomes visible in ``market`` (None: always visible)."""
        cache_key = (album.key, market)
        try:
            return self._release_cache[cache_key]
        except KeyError:
            pass
        instant: float | None
        if album.release_at is not None:
            instant = album.release_at
        elif album.release_date:
            zone = ZoneInfo(MARKET_TIME_ZONES.get(market.upper(), "UTC"))
            day = _release_date_start(album.release_date)
            instant = datetime.combine(day, time(0), tzinfo=zone).timestamp()
        else:
            instant = None
        self._release_cache[cache_key] = instant
        return instant

    def album_visible(self, album: Album, market: str, now: float) -> bool:
        instant = self.release_instant(album, market)
        return instant is None or now >= instant

    def track_visible(self, track: Track, market: str, now: float) -> bool:
        album = self.albums.get(track.album_key)
        return album is None or self.album_visible(album, market, now)

    # -- writes -------------------------------------------------------------------------
    def upsert(self, payload: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"artists": [], "albums": []}
        for raw in payload.get("artists") or []:
            artist = self._upsert_artist(raw)
            out["artists"].append({"key": artist.key, "name": artist.name, "ids": artist.ids})
        for raw in payload.get("albums") or []:
            album = self._upsert_album(raw)
            out["albums"].append(
                {
                    "key": album.key,
                    "upc": album.upc,
                    "ids": album.ids,
                    "tracks": [
                        {"key": t, "isrc": self.tracks[t].isrc, "ids": self.tracks[t].ids}
                        for t in album.track_keys
                    ],
                }
            )
        self._release_cache.clear()
        return out

    def _index(self, kind: str, key: str, item_ids: dict[str, str]) -> None:
        for platform, item_id in item_ids.items():
            self.by_id[(platform, kind, item_id)] = key

    def _upsert_artist(self, raw: dict[str, Any]) -> Artist:
        name = raw.get("name")
        if not name:
            raise CatalogError("artist needs a name")
        key = str(raw.get("key") or name)
        previous = self.artists.get(key)
        artist = Artist(
            key=key,
            name=str(name),
            followers=int(raw.get("followers", 0)),
            genres=list(raw.get("genres") or []),
            ids=_ids_for("artist", key, raw.get("ids")),
            fans=previous.fans if previous else {},
        )
        self.artists[key] = artist
        self._index("artist", key, artist.ids)
        return artist

    def _upsert_album(self, raw: dict[str, Any]) -> Album:
        name, upc = raw.get("name"), raw.get("upc")
        if not name or not upc:
            raise CatalogError("album needs a name and a upc")
        upc = str(upc)
        key = str(raw.get("key") or upc)
        artist_keys = [str(a) for a in raw.get("artists") or []]
        for a in artist_keys:
            if a not in self.artists:
                raise CatalogError(f"album {key}: unknown artist key {a!r}")
        release_at = raw.get("release_at")
        release_date = raw.get("release_date")
        try:
            release_ts = parse_instant(release_at) if release_at is not None else None
            if release_date:
                _release_date_start(str(release_date))
        except ValueError as exc:
            raise CatalogError(f"album {key}: {exc}") from exc
        if release_ts is not None and not release_date:
            release_date = iso(release_ts)[:10]
        deezer_upc = str(raw.get("deezer_upc") or "")
        if not deezer_upc:
            deezer_upc = upc.lstrip("0") if raw.get("deezer_strip_upc_zeros") else upc
        album = Album(
            key=key,
            name=str(name),
            upc=upc,
            artist_keys=artist_keys,
            album_type=str(raw.get("album_type", "album")),
            label=str(raw.get("label", "")),
            release_date=str(release_date) if release_date else None,
            release_date_precision=str(raw.get("release_date_precision", "day")),
            release_at=release_ts,
            deezer_upc=deezer_upc,
            popularity=int(raw.get("popularity", 0)),
            ids=_ids_for("album", key, raw.get("ids")),
        )
        old = self.albums.get(key)
        if old is not None:
            self.by_upc.pop(old.upc, None)
            self.by_deezer_upc.pop(old.deezer_upc, None)
        self.albums[key] = album
        self.by_upc[upc] = key
        self.by_deezer_upc[deezer_upc] = key
        self._index("album", key, album.ids)
        for n, traw in enumerate(raw.get("tracks") or [], start=1):
            album.track_keys.append(self._upsert_track(album, traw, n))
        return album

    def _upsert_track(self, album: Album, raw: dict[str, Any], number: int) -> str:
        name, isrc = raw.get("name"), raw.get("isrc")
        if not name or not isrc:
            raise CatalogError(f"album {album.key}: a track needs a name and an isrc")
        key = str(raw.get("key") or f"{album.key}:{isrc}")
        track = Track(
            key=key,
            name=str(name),
            isrc=str(isrc),
            album_key=album.key,
            artist_keys=[str(a) for a in raw.get("artists") or album.artist_keys],
            duration_ms=int(raw.get("duration_ms", 180_000)),
            explicit=bool(raw.get("explicit", False)),
            track_number=int(raw.get("track_number", number)),
            disc_number=int(raw.get("disc_number", 1)),
            ids=_ids_for("track", key, raw.get("ids")),
        )
        self.tracks[key] = track
        keys = self.by_isrc.setdefault(track.isrc, [])
        if key not in keys:
            keys.append(key)
        self._index("track", key, track.ids)
        return key

    def dump(self) -> dict[str, Any]:
        """The catalog in the admin API's input shape (with explicit ids), for snapshots."""
        return {
            "artists": [
                {
                    "key": a.key,
                    "name": a.name,
                    "followers": a.followers,
                    "genres": a.genres,
                    "ids": a.ids,
                }
                for a in self.artists.values()
            ],
            "albums": [
                {
                    "key": al.key,
                    "name": al.name,
                    "upc": al.upc,
                    "deezer_upc": al.deezer_upc,
                    "artists": al.artist_keys,
                    "album_type": al.album_type,
                    "label": al.label,
                    "release_date": al.release_date,
                    "release_date_precision": al.release_date_precision,
                    "release_at": al.release_at,
                    "popularity": al.popularity,
                    "ids": al.ids,
                    "tracks": [
                        {
                            "key": t.key,
                            "name": t.name,
                            "isrc": t.isrc,
                            "artists": t.artist_keys,
                            "duration_ms": t.duration_ms,
                            "explicit": t.explicit,
                            "track_number": t.track_number,
                            "disc_number": t.disc_number,
                            "ids": t.ids,
                        }
                        for t in (self.tracks[k] for k in al.track_keys)
                    ],
                }
                for al in self.albums.values()
            ],
        }
