"""Where artists, releases and tracks are on each streaming platform: one row per (owner,
platform), keyed by the platforms registry. Every read and write of those ids goes here.

Readers go through ``<owner>.platform_ids.all()``, so a list that prefetches
``platform_ids`` reads them without a query per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from fanloop.catalog import share_links
from fanloop.catalog.models import (
    Artist,
    ArtistPlatformId,
    Release,
    ReleasePlatformId,
    Track,
    TrackPlatformId,
)
from fanloop.platforms.registry import platform_choices

ID_MAX = 40  # ArtistPlatformId.external_id and the others


def keys() -> list[str]:
    """The registry's platforms, in its order: every platform an id can be kept for."""
    return [key for key, _ in platform_choices()]


def labels() -> dict[str, str]:
    return dict(platform_choices())


# Names of the form fields, and of the service errors, for each platform's id.
def artist_field(key: str) -> str:
    return f"{key}_artist_link"


def album_field(key: str) -> str:
    return f"{key}_album"


# --- reads -----------------------------------------------------------------------


def artist_ids(artist: Artist) -> dict[str, str]:
    """platform -> the artist's id there."""
    return {row.platform: row.external_id for row in artist.platform_ids.all()}


def artist_links(artist: Artist) -> dict[str, str]:
    """platform -> the artist's page there (canonical), where a member pasted one."""
    return {row.platform: row.url for row in artist.platform_ids.all() if row.url}


def artist_id(artist: Artist, key: str) -> str:
    return artist_ids(artist).get(key, "")


def release_ids(release: Release) -> dict[str, str]:
    """platform -> the release's album id there."""
    return {row.platform: row.external_id for row in release.platform_ids.all()}


def release_id(release: Release, key: str) -> str:
    return release_ids(release).get(key, "")


def track_ids(track: Track) -> dict[str, str]:
    return {row.platform: row.external_id for row in track.platform_ids.all()}


def track_id_at(release: Release, key: str, position: int) -> str:
    """The id on ``key`` of the release's track at ``position`` ("" when none is stored)."""
    found = TrackPlatformId.objects.filter(
        track__release=release, track__position=position, platform=key
    ).values_list("external_id", flat=True)
    return found.first() or ""


def artist_profiles(artist: Artist) -> list[tuple[str, str]]:
    """(platform label, artist page) of each platform with a pasted link, registry order."""
    links = artist_links(artist)
    return [(label, links[key]) for key, label in labels().items() if key in links]


def release_albums(release: Release) -> list[tuple[str, str]]:
    """(platform label, album id or "") of every platform, registry order."""
    ids = release_ids(release)
    return [(label, ids.get(key, "")) for key, label in labels().items()]


def releases_with_id(key: str, external_id: str) -> QuerySet[Release]:
    """Releases whose album on ``key`` is ``external_id``."""
    return Release.objects.filter(platform_ids__platform=key, platform_ids__external_id=external_id)


# --- parsing (the catalog services check pasted links with every other field) ---------


def parse_artist_link(key: str, text: str) -> tuple[str, str] | None:
    """(id, canonical link) of an artist link pasted for ``key``; None for "" (clear).
    Raises ``ValidationError`` meant for the member."""
    if key not in keys():
        raise ValidationError("Unknown platform.", code="platform_unknown")
    text = text.strip()
    if not text:
        return None
    ref = share_links.parse_link(text, "artist", key)
    return ref.id[:ID_MAX], ref.url


def parse_album(key: str, text: str) -> str | None:
    """The album id of an id or album link pasted for ``key``; None for "" (clear)."""
    if key not in keys():
        raise ValidationError("Unknown platform.", code="platform_unknown")
    text = text.strip()
    if not text:
        return None
    return share_links.parse_id_or_link(text, "album", key).id[:ID_MAX]


# --- writes ----------------------------------------------------------------------


@transaction.atomic
def write_artist_ids(artist: Artist, parsed: Mapping[str, tuple[str, str] | None]) -> None:
    """Store parsed links (``parse_artist_link``) of ``artist``; None removes one."""
    for key, ref in parsed.items():
        if ref is None:
            ArtistPlatformId.objects.filter(artist=artist, platform=key).delete()
        else:
            ArtistPlatformId.objects.update_or_create(
                artist=artist, platform=key, defaults={"external_id": ref[0], "url": ref[1]}
            )
    _forget_prefetched(artist)


def write_release_ids(release: Release, ids: Mapping[str, str | None]) -> None:
    """Store album ids of ``release`` (platform -> id); None or "" removes one."""
    _write_ids(ReleasePlatformId, "release", release, ids)


def _write_ids(
    model: type[ReleasePlatformId] | type[TrackPlatformId],
    owner_field: str,
    owner: Release | Track,
    ids: Mapping[str, str | None],
) -> None:
    """Store the ``owner``'s ids in ``model`` (platform -> id) in one transaction; None or
    "" removes one."""
    with transaction.atomic():
        for key, external_id in ids.items():
            lookup: dict[str, Any] = {owner_field: owner, "platform": key}
            if not external_id:
                model._default_manager.filter(**lookup).delete()
            else:
                model._default_manager.update_or_create(
                    defaults={"external_id": external_id[:ID_MAX]}, **lookup
                )
    _forget_prefetched(owner)


def set_release_ids(release: Release, texts: Mapping[str, str]) -> dict[str, str]:
    """Check and store pasted album ids or links (platform -> text; "" clears), all or
    nothing; returns the release's ids. ``ValidationError`` keyed by ``album_field``."""
    errors: dict[str, list[ValidationError]] = {}
    parsed: dict[str, str | None] = {}
    for key, text in texts.items():
        try:
            parsed[key] = parse_album(key, text)
        except ValidationError as error:
            errors.setdefault(album_field(key), []).append(error)
    if errors:
        raise ValidationError(errors)
    write_release_ids(release, parsed)
    return release_ids(release)


def set_track_ids(track: Track, ids: Mapping[str, str]) -> None:
    """Store track ids (platform -> id; "" removes one) found on the platforms."""
    _write_ids(TrackPlatformId, "track", track, ids)


def remember_release_id(release_id: int, key: str, external_id: str) -> bool:
    """Keep the album found on ``key`` unless the release already has one there (a member's
    id wins); True when stored."""
    return _remember(ReleasePlatformId, {"release_id": release_id}, key, external_id)


def remember_track_id(track_id: int, key: str, external_id: str) -> bool:
    """Keep the track found on ``key`` (by its ISRC) unless the track already has an id there
    (a member's, or one found before, wins); True when stored."""
    return _remember(TrackPlatformId, {"track_id": track_id}, key, external_id)


def _remember(
    model: type[ReleasePlatformId] | type[TrackPlatformId],
    owner: dict[str, int],
    key: str,
    external_id: str,
) -> bool:
    if not external_id:
        return False
    try:
        with transaction.atomic():
            _, created = model.objects.get_or_create(
                **owner, platform=key, defaults={"external_id": external_id[:ID_MAX]}
            )
    except IntegrityError:  # another worker stored one first: that one stays
        return False
    return created


def _forget_prefetched(owner: Artist | Release | Track) -> None:
    cache = getattr(owner, "_prefetched_objects_cache", None)
    if cache is not None:
        cache.pop("platform_ids", None)
