"""The artist page (/<artist>): an always-on link-in-bio page.

It shows the next release with its pre-save buttons (and the forever-save and follow
boxes), the latest release with its listen links, the back catalogue, and the email
signup. It is built from the release pages' own parts (``pages.page_context``) and kept
to the same bars: inline assets only, no cookie, the same size budget, served from memory
by ``middleware.py`` like them (a rendered page per content stamp and visitor state,
the artist and releases read again at most once per ``pages.REVALIDATE_SECONDS``) and
cached by browsers and CDNs for at most ``pages.PAGE_CACHE_SECONDS``, never past the next
release's switch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from fanloop.analytics.ingest import record_artist_page_view, request_country
from fanloop.campaigns import pages
from fanloop.catalog.accent import DEFAULT_ACCENT, text_on
from fanloop.catalog.models import Artist, Release, ReleaseMode
from fanloop.catalog.release_urls import page_path
from fanloop.catalog.services import SOCIAL_FIELDS
from fanloop.fans.consents import render as consent_wording
from fanloop.fans.models import ConsentKind

# How many past releases the back catalogue lists (the newest first).
BACK_CATALOGUE = 24
# Rendered artist pages each process keeps in memory.
RENDERED_ARTIST_PAGES = 500
KNOWN_ARTISTS = 2000

ARTIST_FIELDS = pages.ARTIST_FIELDS
CATALOGUE_FIELDS = ("pk", "title", "slug", "release_type", "artwork", "release_date", "updated")


def find_artist(slug: str) -> Artist | None:
    return Artist.objects.prefetch_related("platform_ids").filter(slug=slug).first()


@dataclass
class KnownArtist:
    """An artist and their published releases (newest first) as last read."""

    artist: Artist
    releases: list[Release]
    checked_at: float
    stamps: dict[int, str] = field(default_factory=dict)  # release pk → content stamp

    def stamp_of(self, release: Release) -> str:
        stamp = self.stamps.get(release.pk)
        if stamp is None:
            stamp = self.stamps[release.pk] = pages.content_stamp(release)
        return stamp


_known: dict[str, KnownArtist] = {}
_lock = threading.Lock()


def known_artist(slug: str) -> KnownArtist | None:
    """The artist at /<slug> with their releases, re-read at most once per
    ``pages.REVALIDATE_SECONDS`` (and at once after a save in this process)."""
    known = _known.get(slug)
    if known is not None and time.time() - known.checked_at < pages.REVALIDATE_SECONDS:
        return known
    artist = find_artist(slug)
    if artist is None:
        _known.pop(slug, None)
        return None
    releases = list(
        Release.objects.filter(artist=artist, published=True)
        .prefetch_related("platform_ids")  # read by the content stamps and listen links
        .order_by("-release_date", "-pk")
    )
    for release in releases:
        release.artist = artist  # one artist row, shared
    known = KnownArtist(artist, releases, time.time())
    with _lock:
        if len(_known) >= KNOWN_ARTISTS:
            _known.clear()
        _known[slug] = known
    return known


def recall(path: str) -> KnownArtist | None:
    """The artist page at ``path`` if this process has served it (for the middleware), read
    again when due as ``known_artist`` does; None for any other address."""
    slug = path[1:]
    if slug not in _known:  # also every address with more than one segment
        return None
    return known_artist(slug)


def forget(artist_id: int | None) -> None:
    """Drop what this process knows about an artist's page (after a save of the artist or
    of one of their releases)."""
    for slug, known in list(_known.items()):
        if known.artist.pk == artist_id:
            _known.pop(slug, None)


def clear() -> None:
    _known.clear()
    _rendered.clear()


@dataclass(frozen=True)
class Selection:
    """What one visitor sees: the next release (not out in their market), the latest one
    out, and the ones before it."""

    upcoming: Release | None
    upcoming_state: pages.PageState | None
    latest: Release | None
    back: list[Release]


def select(releases: list[Release], market: str, now: dt.datetime) -> Selection:
    upcoming: Release | None = None
    upcoming_state: pages.PageState | None = None
    out: list[Release] = []
    for release in releases:  # newest first
        state = pages.page_state(release, market, now)
        if state.live:
            out.append(release)
        else:  # the soonest of the releases still to come
            upcoming, upcoming_state = release, state
    return Selection(upcoming, upcoming_state, out[0] if out else None, out[1 : 1 + BACK_CATALOGUE])


def _catalogue_item(release: Release) -> dict[str, Any]:
    image = release.artwork.url if release.artwork else ""
    return {
        "release": release,
        "path": page_path(release),
        "image": image,
        "date_text": pages.release_date_text(release, live=True),
    }


def page_context(artist: Artist, chosen: Selection, now: dt.datetime) -> dict[str, Any]:
    assets = pages.inline_assets()
    upcoming: dict[str, Any] | None = None
    if chosen.upcoming is not None and chosen.upcoming_state is not None:
        release = chosen.upcoming
        upcoming = pages.page_context(release, chosen.upcoming_state, preview=False)
        upcoming["path"] = page_path(release)
        # The artist page always offers the lasting consents beside the pre-save.
        upcoming["upfront_consents"] = [
            (name, consent_wording(kind, artist.name)[1])
            for name, kind in (
                ("forever", ConsentKind.FOREVER_SAVE),
                ("follow", ConsentKind.FOLLOW),
            )
        ]
    latest: dict[str, Any] | None = None
    if chosen.latest is not None:
        state = pages.PageState(True, chosen.latest.instant_for_market(None), "", 0)
        latest = pages.page_context(chosen.latest, state, preview=False)
        latest["path"] = page_path(chosen.latest)
    signup = chosen.upcoming or chosen.latest
    accent = next(
        (r.accent_color or r.artwork_accent for r in (chosen.upcoming, chosen.latest) if r), ""
    )
    accent = accent or DEFAULT_ACCENT
    return {
        "artist": artist,
        "avatar": artist.image.url if artist.image else "",
        "socials": [
            (label, getattr(artist, name)) for name, label in SOCIAL_FIELDS if getattr(artist, name)
        ],
        "upcoming": upcoming,
        "latest": latest,
        "back": [_catalogue_item(r) for r in chosen.back],
        "signup_path": reverse(
            "campaigns:notify",
            kwargs={"artist_slug": artist.slug, "release_slug": signup.slug},
        )
        if signup is not None
        else "",
        "page_url": pages.absolute(f"/{artist.slug}"),
        "site_name": settings.SITE_NAME,
        "theme_css": mark_safe(theme_css(accent)),  # hex colours only
        "css": assets.css,
        "js": assets.js,
    }


def theme_css(accent: str) -> str:
    return f":root{{--accent:{accent};--on-accent:{text_on(accent)}}}"


@dataclass(frozen=True)
class RenderedArtistPage:
    body: bytes
    etag: str
    rendered_at: dt.datetime
    csp: str


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: dict[str, RenderedArtistPage] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> RenderedArtistPage | None:
        with self._lock:
            page = self._data.pop(key, None)
            if page is not None:
                self._data[key] = page
            return page

    def put(self, key: str, page: RenderedArtistPage) -> None:
        with self._lock:
            self._data[key] = page
            while len(self._data) > self.size:
                self._data.pop(next(iter(self._data)))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_rendered = _Lru(RENDERED_ARTIST_PAGES)
pages.ALSO_CLEAR.append(clear)


def cache_key(known: KnownArtist, chosen: Selection) -> str:
    """Everything the page shows: the artist, the catalogue, and the two featured releases'
    full content stamps (their pre-save offers and listen links included)."""
    values = [str(getattr(known.artist, name)) for name in ARTIST_FIELDS]
    for release in chosen.back:
        values += [str(getattr(release, name)) for name in CATALOGUE_FIELDS]
    if chosen.upcoming is not None and chosen.upcoming_state is not None:
        state = chosen.upcoming_state
        values += [
            "up",
            known.stamp_of(chosen.upcoming),
            str(int(state.instant.timestamp())),
            state.countdown,
        ]
    if chosen.latest is not None:
        values += ["latest", known.stamp_of(chosen.latest)]
    values += [settings.SITE_URL, settings.SITE_NAME]
    digest = hashlib.blake2b("\x1f".join(values).encode(), digest_size=12).hexdigest()
    return f"{known.artist.pk}:{digest}"


def rendered(known: KnownArtist, chosen: Selection, now: dt.datetime) -> RenderedArtistPage:
    key = cache_key(known, chosen)
    page = _rendered.get(key)
    if page is None:
        context = page_context(known.artist, chosen, now)
        body = render_to_string("campaigns/artist_page.html", context).encode()
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        csp = pages.page_csp(str(context["theme_css"]))
        page = RenderedArtistPage(body, etag, now.replace(microsecond=0), csp)
        _rendered.put(key, page)
    return page


def response(
    request: HttpRequest, known: KnownArtist, now: dt.datetime, member: bool = False
) -> HttpResponseBase:
    """The artist page as an HTTP response: cache headers, validators, 304s, the page view."""
    country = request_country(request)
    chosen = select(known.releases, country, now)
    featured = chosen.upcoming or chosen.latest
    if request.method == "GET" and featured is not None:  # HEAD: link checkers, not fans
        record_artist_page_view(request, featured, member=member, country=country)
    page = rendered(known, chosen, now)
    out = HttpResponse(page.body, "text/html; charset=utf-8")
    state = chosen.upcoming_state or pages.PageState(True, now, "", 0)
    out["Cache-Control"] = f"public, max-age={pages.max_age(state)}"
    out["Content-Length"] = str(len(page.body))
    out["ETag"] = page.etag
    out["Last-Modified"] = http_date(page.rendered_at.timestamp())
    out["Content-Security-Policy"] = page.csp
    if any(r.release_mode == ReleaseMode.LOCAL_MIDNIGHT for r in known.releases):
        out["Vary"] = pages.country_header_name()
    meta = request.META
    if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
        conditional = get_conditional_response(
            request,
            etag=page.etag,
            last_modified=int(page.rendered_at.timestamp()),
            response=out,
        )
        if conditional is not None:
            return conditional
    return out
