"""Writes for the catalog (artists, releases, tracks): views, API, CLI and tests call these.

Each function validates all its input first and writes in one transaction, so bad
input raises ``ValidationError`` keyed by field and nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import slugify

from fanloop.accounts.models import Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.accent import accent_of
from fanloop.catalog.hooks import artist_deleting, release_saved
from fanloop.catalog.models import Artist, Release, ReleaseMode, ReleaseType, Theme, Track
from fanloop.catalog.validators import (
    normalize_isrc,
    normalize_upc,
    process_artwork,
    validate_isrc,
    validate_upc,
)
from fanloop.lib.reserved import is_reserved
from fanloop.platforms.registry import in_app_presave_link

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARTIST_SLUG_MAX = 60
RELEASE_SLUG_MAX = 80
MAX_TRACKS = 100


class ArtistFields(TypedDict, total=False):
    """Fields of an artist; in updates, a missing key leaves the value unchanged."""

    name: str
    slug: str  # empty: generated from the name
    image: IO[bytes] | None  # None removes the image
    # Pasted artist links per platform (registry key); "" clears the link and its id, a
    # platform left out keeps its link.
    platform_links: Mapping[str, str]
    website_url: str  # https links shown on the artist's release pages; empty: none
    instagram_url: str
    tiktok_url: str
    youtube_url: str


# Artist fields holding a social link, with how the dashboard names each.
SOCIAL_FIELDS = (
    ("website_url", "Website"),
    ("instagram_url", "Instagram"),
    ("tiktok_url", "TikTok"),
    ("youtube_url", "YouTube"),
)
ACCENT = re.compile(r"#[0-9a-f]{6}")


class ReleaseFields(TypedDict, total=False):
    """Fields of a release; in updates, a missing key leaves the value unchanged."""

    artist: Artist  # updates only: move the release to another artist of the workspace
    title: str
    slug: str  # empty: generated from the title
    release_type: str
    artwork: IO[bytes] | None  # None removes the artwork
    upc: str
    label_line: str
    description: str
    release_mode: str
    release_date: dt.date
    release_time: dt.time  # global mode only; local mode is always midnight
    release_time_zone: str
    # Album ids or pasted album links per platform (registry key); "" clears one, a
    # platform left out keeps its id.
    platform_ids: Mapping[str, str]
    in_app_presave_url: str  # a pasted Spotify Countdown Page link; empty clears it
    consents_upfront: bool
    focus_track: int | None  # a track position; None: no focus track
    post_release_description: str  # shown once the release is out; empty: ``description``
    theme: str  # Theme: the page's light or dark look
    accent_color: str  # "#rrggbb"; empty: the colour taken from the artwork
    show_presave_count: bool  # the page shows how many fans pre-saved


class TrackInput(TypedDict, total=False):
    position: int | None  # optional: numbered tracks first, then the others as given
    title: str
    isrc: str


class _Errors:
    """Collects errors per field so one round trip reports every problem."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, error: ValidationError | str) -> None:
        if isinstance(error, str):
            error = ValidationError(error)
        self.by_field.setdefault(field, []).append(error)

    def run(self, field: str, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except ValidationError as error:
            self.add(field, error)
            return None

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _reject_unknown(fields: Mapping[str, Any], allowed: type) -> None:
    unknown = set(fields) - set(allowed.__annotations__)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def _text(value: str | None) -> str:
    # NUL bytes are refused by PostgreSQL and never meant: drop them with the padding.
    return (value or "").replace("\x00", "").strip()


def _check_length(errors: _Errors, field: str, label: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        errors.add(
            field,
            ValidationError(
                "%(label)s is too long: %(count)d characters; the maximum is %(max)d.",
                code="too_long",
                params={"label": label, "count": len(value), "max": maximum},
            ),
        )


@functools.cache
def time_zones() -> frozenset[str]:
    """IANA zone names; computed once because listing them walks the tz database."""
    return frozenset(zoneinfo.available_timezones())


# --- slugs -----------------------------------------------------------------------


def _slug_format(slug: str, maximum: int) -> None:
    if len(slug) > maximum:
        raise ValidationError(
            "The address is too long: %(count)d characters; the maximum is %(max)d.",
            code="slug_too_long",
            params={"count": len(slug), "max": maximum},
        )
    if not SLUG_RE.match(slug):
        raise ValidationError(
            "Use only lowercase letters, digits and single hyphens in the address "
            "(e.g. “my-new-single”).",
            code="slug_format",
        )


def _auto_slug(text: str, fallback: str, maximum: int, taken: Callable[[str], bool]) -> str:
    base = slugify(text)[: maximum - 4].strip("-") or fallback
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _artist_slug_taken(artist: Artist) -> Callable[[str], bool]:
    # Artist slugs are the first segment of public pages (/<artist>/<release>): none may
    # be one of fanloop's own (see lib.reserved).
    def taken(slug: str) -> bool:
        return is_reserved(slug) or (
            Artist.objects.filter(slug=slug).exclude(pk=artist.pk).exists()
        )

    return taken


def _release_slug_taken(release: Release, artist: Artist) -> Callable[[str], bool]:
    def taken(slug: str) -> bool:
        return Release.objects.filter(artist=artist, slug=slug).exclude(pk=release.pk).exists()

    return taken


def _artist_slug(errors: _Errors, artist: Artist, wanted: str, name: str) -> str:
    if not wanted:
        return _auto_slug(name, "artist", ARTIST_SLUG_MAX, _artist_slug_taken(artist))
    if artist.pk and wanted == artist.slug:
        return wanted  # keeping one's address is always allowed, even if since reserved
    errors.run("slug", lambda: _slug_format(wanted, ARTIST_SLUG_MAX))
    if "slug" in errors:
        return wanted
    if is_reserved(wanted):
        errors.add(
            "slug",
            ValidationError(
                "“%(slug)s” is reserved for fanloop's own pages; choose another address.",
                code="slug_reserved",
                params={"slug": wanted},
            ),
        )
    elif _artist_slug_taken(artist)(wanted):
        errors.add(
            "slug",
            ValidationError(
                "The address /%(slug)s is already taken by another artist; choose another.",
                code="slug_taken",
                params={"slug": wanted},
            ),
        )
    return wanted


def _release_slug(errors: _Errors, release: Release, artist: Artist, wanted: str) -> str:
    taken = _release_slug_taken(release, artist)
    if not wanted:
        return _auto_slug(release.title, "release", RELEASE_SLUG_MAX, taken)
    errors.run("slug", lambda: _slug_format(wanted, RELEASE_SLUG_MAX))
    if "slug" not in errors and taken(wanted):
        errors.add(
            "slug",
            ValidationError(
                "%(artist)s already has a release at /%(artist_slug)s/%(slug)s; "
                "choose another address.",
                code="slug_taken",
                params={"artist": artist.name, "artist_slug": artist.slug, "slug": wanted},
            ),
        )
    return wanted


# --- files -----------------------------------------------------------------------


def _processed_image(
    errors: _Errors, field: str, upload: IO[bytes], label: str
) -> ContentFile[bytes] | None:
    result: ContentFile[bytes] | None = errors.run(field, lambda: process_artwork(upload, label))
    return result


def _delete_files_on_commit(names: Sequence[str]) -> None:
    """Remove replaced files only once the rows no longer point at them."""
    names = [n for n in names if n]

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(delete)


def _save_with_files(instance: Model, files: dict[str, ContentFile[bytes]]) -> None:
    """Store new files, then the row; if the row fails, the new files go too."""
    stored: list[str] = []
    try:
        for field, content in files.items():
            getattr(instance, field).save(content.name, content, save=False)
            stored.append(getattr(instance, field).name)
        with transaction.atomic():  # a savepoint, so an IntegrityError can be reported
            instance.save()
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


# --- artists ---------------------------------------------------------------------


@transaction.atomic
def create_artist(workspace: Workspace, **fields: Unpack[ArtistFields]) -> Artist:
    """Create an artist in ``workspace``; see :class:`ArtistFields` for the fields."""
    return _save_artist(Artist(workspace=workspace), fields, creating=True)


@transaction.atomic
def update_artist(artist: Artist, **fields: Unpack[ArtistFields]) -> Artist:
    """Change the given fields of ``artist``; fields not passed keep their value."""
    return _save_artist(artist, fields, creating=False)


def _save_with_image(
    errors: _Errors,
    obj: Artist | Release,
    fields: Mapping[str, Any],
    field: str,
    label: str,
    after_save: Callable[[], None] | None = None,
) -> None:
    """Check the uploaded image with every other error, save the row and the new file
    together, then delete the replaced file once the transaction commits."""
    new_files: dict[str, ContentFile[bytes]] = {}
    old_name = getattr(obj, field).name if obj.pk else ""
    if field in fields and fields[field] is not None:
        content = _processed_image(errors, field, fields[field], label)
        if content is not None:
            new_files[field] = content
            if isinstance(obj, Release):  # the page's default accent follows the artwork
                obj.artwork_accent = accent_of(content.read())
                content.seek(0)
    errors.raise_if_any()

    if field in fields and fields[field] is None:
        setattr(obj, field, "")
        if isinstance(obj, Release):
            obj.artwork_accent = ""
    try:
        _save_with_files(obj, new_files)
    except IntegrityError:
        # Two people took the same address at the same moment: the database decided.
        raise ValidationError(
            {"slug": ValidationError("This address was just taken; choose another.")}
        ) from None
    if after_save is not None:
        after_save()
    if field in fields and old_name and old_name != getattr(obj, field).name:
        _delete_files_on_commit([old_name])


def _save_artist(artist: Artist, fields: Mapping[str, Any], *, creating: bool) -> Artist:
    _reject_unknown(fields, ArtistFields)
    errors = _Errors()
    if creating or "name" in fields:
        artist.name = _text(fields.get("name"))
        if not artist.name:
            errors.add("name", ValidationError("Enter the artist's name.", code="required"))
        _check_length(errors, "name", "The name", artist.name, 120)
    if creating or "slug" in fields:
        wanted = _text(fields.get("slug")).lower()
        artist.slug = _artist_slug(errors, artist, wanted, artist.name)
    links: dict[str, tuple[str, str] | None] = {}
    for key, text in dict(fields.get("platform_links") or {}).items():
        try:
            links[key] = platform_ids.parse_artist_link(key, _text(text))
        except ValidationError as error:
            errors.add(platform_ids.artist_field(key), error)

    _social_links(errors, artist, fields)
    _save_with_image(
        errors,
        artist,
        fields,
        "image",
        "Artist image",
        after_save=lambda: platform_ids.write_artist_ids(artist, links),
    )
    return artist


def _social_links(errors: _Errors, artist: Artist, fields: Mapping[str, Any]) -> None:
    for field, label in SOCIAL_FIELDS:
        if field not in fields:
            continue
        text = _text(fields[field])
        setattr(artist, field, text)
        if not text:
            continue
        try:
            URLValidator(schemes=["https"])(text)
        except ValidationError:
            errors.add(field, f"{label}: paste the full link, starting with https://.")
        _check_length(errors, field, f"The {label} link", text, 300)


@transaction.atomic
def delete_artist(artist: Artist) -> None:
    """Delete an artist with all its releases (their pages disappear too)."""
    files = [artist.image.name, *(r.artwork.name for r in artist.releases.all())]
    artist_deleting.run(artist)
    artist.delete()
    _delete_files_on_commit(files)


# --- releases --------------------------------------------------------------------


@transaction.atomic
def create_release(
    artist: Artist, fields: ReleaseFields, tracks: Sequence[TrackInput] = ()
) -> Release:
    """Create a draft release of ``artist`` with its tracks (all or nothing)."""
    if "artist" in fields:
        raise TypeError("create_release takes the artist as its first argument")
    release = Release(artist=artist)
    return _save_release(release, fields, tracks, creating=True)


@transaction.atomic
def update_release(
    release: Release, fields: ReleaseFields, tracks: Sequence[TrackInput] | None = None
) -> Release:
    """Change the given fields; ``tracks=None`` leaves the track list as it is."""
    return _save_release(release, fields, tracks, creating=False)


def _release_text_fields(errors: _Errors, release: Release, fields: Mapping[str, Any]) -> None:
    for field, label, maximum in (
        ("title", "The title", 200),
        ("label_line", "The label line", 200),
        ("description", "The description", 2000),
        ("post_release_description", "The text after release", 2000),
    ):
        if field in fields:
            value = _text(fields[field])
            setattr(release, field, value)
            _check_length(errors, field, label, value, maximum)
    if not release.title:
        errors.add("title", ValidationError("Enter the release's title.", code="required"))


def _in_app_presave(errors: _Errors, release: Release, fields: Mapping[str, Any]) -> None:
    if "in_app_presave_url" not in fields:
        return
    text = _text(fields["in_app_presave_url"])
    if not text:
        release.in_app_presave_url = ""
        return
    try:
        _key, release.in_app_presave_url = in_app_presave_link(text)
    except ValueError as error:
        errors.add("in_app_presave_url", str(error))


def _release_choices(errors: _Errors, release: Release, fields: Mapping[str, Any]) -> None:
    if "theme" in fields:
        release.theme = fields["theme"]
        if release.theme not in Theme.values:
            errors.add("theme", "Choose dark or light.")
    if "accent_color" in fields:
        release.accent_color = _text(fields["accent_color"]).lower()
        if release.accent_color and not ACCENT.fullmatch(release.accent_color):
            errors.add("accent_color", "Enter a colour like #3366ff, or leave it empty.")
    if "consents_upfront" in fields:
        release.consents_upfront = bool(fields["consents_upfront"])
    if "show_presave_count" in fields:
        release.show_presave_count = bool(fields["show_presave_count"])
    if "release_type" in fields:
        release.release_type = fields["release_type"]
        if release.release_type not in ReleaseType.values:
            errors.add("release_type", "Choose single, EP or album.")
    if "release_mode" in fields:
        release.release_mode = fields["release_mode"]
        if release.release_mode not in ReleaseMode.values:
            errors.add(
                "release_mode",
                "Choose midnight local time in each market, or one global instant.",
            )


def _focus_track(
    errors: _Errors,
    release: Release,
    value: Any,
    tracks: list[tuple[str, str]] | None,
    creating: bool,
) -> None:
    if value in (None, ""):
        release.focus_track = None
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add("focus_track", "The focus track is a track number.")
        return
    count = len(tracks) if tracks is not None else 0 if creating else release.tracks.count()
    if not 1 <= value <= count:
        errors.add("focus_track", f"Choose a track number from the list (1 to {count}).")
        return
    release.focus_track = value


def _release_timing(errors: _Errors, release: Release, fields: Mapping[str, Any]) -> None:
    if "release_date" in fields:
        release.release_date = fields["release_date"]
    if not isinstance(release.release_date, dt.date):
        errors.add("release_date", ValidationError("Enter the release date.", code="required"))
    if "release_time_zone" in fields:
        release.release_time_zone = _text(fields["release_time_zone"]) or "UTC"
        if release.release_time_zone not in time_zones():
            errors.add(
                "release_time_zone",
                ValidationError(
                    "Unknown time zone “%(zone)s”: pick one from the list (e.g. Europe/Paris).",
                    code="time_zone",
                    params={"zone": release.release_time_zone[:64]},
                ),
            )
    if "release_time" in fields:
        release.release_time = fields["release_time"] or dt.time(0, 0)
    if release.release_mode != ReleaseMode.GLOBAL:
        # Local mode means midnight in each market: a stored time would only mislead.
        release.release_time = dt.time(0, 0)


def _release_ids(errors: _Errors, release: Release, fields: Mapping[str, Any]) -> None:
    if "upc" in fields:
        upc = normalize_upc(_text(fields["upc"]))
        if upc:
            errors.run("upc", lambda: validate_upc(upc))
        release.upc = upc
        if upc and "upc" not in errors:
            clash = (
                Release.objects.filter(artist__workspace=release.artist.workspace, upc=upc)
                .exclude(pk=release.pk)
                .select_related("artist")
                .first()
            )
            if clash is not None:
                errors.add(
                    "upc",
                    ValidationError(
                        "UPC %(upc)s is already used by “%(title)s” in this workspace; "
                        "each release has its own UPC.",
                        code="upc_taken",
                        params={"upc": upc, "title": clash.title},
                    ),
                )


def _album_ids(errors: _Errors, fields: Mapping[str, Any]) -> dict[str, str | None]:
    ids: dict[str, str | None] = {}
    for key, text in dict(fields.get("platform_ids") or {}).items():
        try:
            ids[key] = platform_ids.parse_album(key, _text(text))
        except ValidationError as error:
            errors.add(platform_ids.album_field(key), error)
    return ids


def _save_release(
    release: Release,
    fields: Mapping[str, Any],
    tracks: Sequence[TrackInput] | None,
    *,
    creating: bool,
) -> Release:
    _reject_unknown(fields, ReleaseFields)
    errors = _Errors()
    if "artist" in fields:
        artist = fields["artist"]
        if artist.workspace_id != release.artist.workspace_id:
            errors.add("artist", "Choose an artist of this workspace.")
        else:
            release.artist = artist
    _release_text_fields(errors, release, fields)
    if creating or "slug" in fields or "artist" in fields:
        wanted = _text(fields.get("slug", release.slug if not creating else "")).lower()
        release.slug = _release_slug(errors, release, release.artist, wanted)
    _release_choices(errors, release, fields)
    _in_app_presave(errors, release, fields)
    _release_timing(errors, release, fields)
    _release_ids(errors, release, fields)
    album_ids = _album_ids(errors, fields)
    cleaned_tracks = None if tracks is None else _clean_tracks(errors, tracks)
    if "focus_track" in fields:
        _focus_track(errors, release, fields["focus_track"], cleaned_tracks, creating)

    def write_tracks() -> None:
        if cleaned_tracks is not None:
            _write_tracks(release, cleaned_tracks)
        platform_ids.write_release_ids(release, album_ids)
        release_saved.run(release)

    _save_with_image(errors, release, fields, "artwork", "Artwork", after_save=write_tracks)
    return release


@transaction.atomic
def delete_release(release: Release) -> None:
    files = [release.artwork.name]
    release.delete()
    _delete_files_on_commit(files)


@transaction.atomic
def publish_release(release: Release) -> Release:
    """Make the public page visible to fans."""
    release.published = True
    release.save(update_fields=["published", "updated"])
    release_saved.run(release)
    return release


@transaction.atomic
def unpublish_release(release: Release) -> Release:
    """Hide the public page again; members still see it through the preview link."""
    release.published = False
    release.save(update_fields=["published", "updated"])
    return release


# --- tracks ----------------------------------------------------------------------


def _clean_tracks(errors: _Errors, tracks: Sequence[TrackInput]) -> list[tuple[str, str]]:
    """Validate tracks; return ``(title, isrc)`` in play order (positions renumbered)."""
    if len(tracks) > MAX_TRACKS:
        errors.add("tracks", f"A release can have at most {MAX_TRACKS} tracks.")
        return []
    seen_positions: dict[int, int] = {}
    seen_isrcs: dict[str, int] = {}
    # Numbered rows first, by number; rows without a number after them, as given.
    ordered: list[tuple[tuple[int, int, int], str, str]] = []
    for index, track in enumerate(tracks):
        number = index + 1
        position = track.get("position")
        if position is not None:
            if position < 1:
                errors.add("tracks", f"Track {number}: the position must be 1 or more.")
            elif position in seen_positions:
                errors.add(
                    "tracks",
                    f"Tracks {seen_positions[position]} and {number} are both at position "
                    f"{position}; give each track its own position.",
                )
            else:
                seen_positions[position] = number
        title = _text(track.get("title"))
        if not title:
            errors.add("tracks", f"Track {number}: enter a title.")
        elif len(title) > 200:
            errors.add("tracks", f"Track {number}: the title is too long (maximum 200).")
        typed = _text(track.get("isrc"))
        isrc = normalize_isrc(typed)
        if isrc:
            try:
                validate_isrc(typed)
            except ValidationError as error:
                errors.add("tracks", f"Track {number}: {error.messages[0]}")
            else:
                if isrc in seen_isrcs:
                    errors.add(
                        "tracks",
                        f"Tracks {seen_isrcs[isrc]} and {number} have the same ISRC {isrc}; "
                        "each recording has its own.",
                    )
                seen_isrcs[isrc] = number
        key = (0, position, index) if position is not None else (1, 0, index)
        ordered.append((key, title, isrc))
    ordered.sort()
    return [(title, isrc) for _, title, isrc in ordered]


def _write_tracks(release: Release, cleaned: Sequence[tuple[str, str]]) -> None:
    # Rows are kept by position, so unchanged tracks keep their ids (others may refer to them).
    existing = {t.position: t for t in release.tracks.all()}
    for position, (title, isrc) in enumerate(cleaned, start=1):
        track = existing.pop(position, None)
        if track is None:
            Track.objects.create(release=release, position=position, title=title, isrc=isrc)
        elif (track.title, track.isrc) != (title, isrc):
            track.title, track.isrc = title, isrc
            track.save(update_fields=["title", "isrc"])
    if existing:
        Track.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()


@transaction.atomic
def set_tracks(release: Release, tracks: Sequence[TrackInput]) -> list[Track]:
    """Replace the track list of ``release`` (all or nothing)."""
    errors = _Errors()
    cleaned = _clean_tracks(errors, tracks)
    errors.raise_if_any()
    _write_tracks(release, cleaned)
    release.save(update_fields=["updated"])
    return list(release.tracks.all())
