"""The public release page: which mode a visitor sees, its rendering, and its caches.

Rendered pages are cached per process under a key made of everything they show
(so an edit in any process changes the key) plus mode and countdown label; see
``middleware.py`` for why a release is re-read at most once a second.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from fanloop.analytics.ingest import record_page_view, request_country
from fanloop.catalog import platform_ids
from fanloop.catalog.accent import DEFAULT_ACCENT, text_on
from fanloop.catalog.models import (
    Artist,
    ArtistPlatformId,
    Release,
    ReleaseMode,
    ReleasePlatformId,
    Theme,
)
from fanloop.catalog.release_urls import (
    BY_KEY,
    PRESAVE_PLATFORMS,
    PagePlatform,
    listen_links,
    page_path,
    presave_links,
)
from fanloop.catalog.services import SOCIAL_FIELDS
from fanloop.fans.consents import render as render_consent
from fanloop.fans.models import ConsentKind, PreSave
from fanloop.platforms.base import Capability
from fanloop.platforms.marks import ask_line, button_css, mark
from fanloop.platforms.registry import authorize_origins, in_app_presave_link, signs_in_on_page

TEMPLATES = Path(__file__).resolve().parent / "templates" / "campaigns"
# How many rendered pages and public addresses each process keeps in memory.
RENDERED_PAGES = 2000
KNOWN_PAGES = 5000
# A release read from the database is trusted this long before it is read again.
# Saves in this process forget it at once (signals.py); saves in another process
# (or QuerySet.update) show within this delay, well inside the HTTP max-age.
REVALIDATE_SECONDS = 1.0
# Longest HTTP max-age of a public page (it never runs past the page's switch from
# pre-release to post-release). Not measured; chosen so a CDN absorbs a traffic spike while
# an edit shows within a minute.
PAGE_CACHE_SECONDS = 60

# Fields whose values appear on the page: any change makes a new cache key.
RELEASE_FIELDS = (
    "title", "slug", "release_type", "artwork", "label_line", "description", "release_mode",
    "release_date", "release_time", "release_time_zone", "published", "updated",
    "consents_upfront",
    "in_app_presave_url",
    "post_release_description", "theme", "accent_color", "artwork_accent", "show_presave_count",
)  # fmt: skip
ARTIST_FIELDS = (
    "name", "slug", "image", "website_url", "instagram_url", "tiktok_url", "youtube_url",
)  # fmt: skip
# What the page's pre-save buttons ask for: the save alone, as ``connect.Options()`` with no
# consent ticked (a test holds the two together). Ticked consents add what they name.
PRESAVE_CAPABILITIES = frozenset({Capability.SAVE})


def find_release(artist_slug: str, release_slug: str) -> Release | None:
    """The release at /<artist_slug>/<release_slug>, published or not, with its artist."""
    return _with_ids().filter(artist__slug=artist_slug, slug=release_slug).first()


def find_release_by_code(code: str) -> Release | None:
    return _with_ids().filter(short_code=code).first()


def _with_ids() -> QuerySet[Release]:
    # The page's listen links and its content stamp read the platform ids.
    return Release.objects.select_related("artist").prefetch_related(
        "platform_ids", "artist__platform_ids"
    )


# --- mode and countdown -----------------------------------------------------


@dataclass(slots=True)
class PageState:
    """What one visitor sees now: before release (with a countdown) or after."""

    live: bool
    instant: dt.datetime  # when the release goes live for this visitor's market
    countdown: str  # "" once live
    seconds_left: int  # whole seconds until live; 0 once live


_UNITS = ((2 * 86400, 86400, "days"), (2 * 3600, 3600, "hours"), (120, 60, "minutes"))


def countdown_label(seconds: float) -> str:
    """Coarse on purpose: the text only changes a few times a day, so it caches well."""
    for threshold, unit, name in _UNITS:
        if seconds >= threshold:
            return f"Out in {int(seconds // unit)} {name}"
    return "Out in a moment"


def page_state(
    release: Release, market: str, now: dt.datetime, instant: dt.datetime | None = None
) -> PageState:
    """``instant``: the release's instant for ``market``, when the caller knows it."""
    if instant is None:
        instant = release.instant_for_market(market or None)
    if now >= instant:
        return PageState(live=True, instant=instant, countdown="", seconds_left=0)
    left = (instant - now).total_seconds()
    return PageState(False, instant, countdown_label(left), math.floor(left))


def release_date_text(release: Release, live: bool) -> str:
    day = release.release_date
    when = f"{day:%A} {day.day} {day:%B %Y}"
    if live:
        return f"Released {day.day} {day:%B %Y}"
    if release.release_mode == ReleaseMode.GLOBAL:
        instant = release.global_instant()
        return f"Out {when}, {instant:%H:%M} {release.release_time_zone}"
    return f"Out {when} at midnight, your local time"


# --- inline assets ----------------------------------------------------------


@dataclass(frozen=True)
class InlineAssets:
    css: SafeString
    js: SafeString
    csp: str


@functools.cache
def inline_assets() -> InlineAssets:
    """CSS and JS inlined into the page (no extra requests), with their CSP hashes."""
    css = (TEMPLATES / "page.css").read_text().strip() + button_css()
    js = (TEMPLATES / "countdown.js").read_text().strip()

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    csp = (
        "default-src 'none'; "
        f"style-src {digest(css)}; script-src {digest(js)}; "
        "img-src 'self' https: data:; form-action {form_action}; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return InlineAssets(mark_safe(css), mark_safe(js), csp)


# --- rendering --------------------------------------------------------------


def absolute(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else f"{settings.SITE_URL}{url}"


def _image_url(release: Release) -> str:
    if release.artwork:
        return release.artwork.url
    if release.artist.image:
        return release.artist.image.url
    return ""


def presave_count(release: Release) -> int | None:
    """Fans who pre-saved, when the artist shows the counter (None: hidden). One query."""
    if not release.show_presave_count:
        return None
    return PreSave.objects.filter(release=release).values("fan").distinct().count()


def page_text(release: Release, live: bool) -> str:
    """The release's own words: the after-release text once it is out, when there is one."""
    if live and release.post_release_description.strip():
        return release.post_release_description
    return release.description


def theme_css(release: Release) -> str:
    """The page's accent colours as CSS custom properties (a second inline style)."""
    accent = release.accent_color or release.artwork_accent or DEFAULT_ACCENT
    return f":root{{--accent:{accent};--on-accent:{text_on(accent)}}}"


def _description(release: Release, live: bool) -> str:
    text = page_text(release, live)
    if text.strip():
        return Truncator(" ".join(text.split())).chars(200)
    who = f"“{release.title}” by {release.artist.name}"
    if live:
        return f"Listen to {who} on Spotify, Apple Music and Deezer."
    return f"Pre-save {who}. {release_date_text(release, live=False)}."


# --- pre-save offers: which platforms get a button (platform apps' caps) -----------

# (platform key, "ok" | "cap" | "unavailable" | "email" | "testers") per page platform.
Offers = tuple[tuple[str, str], ...]


def presave_offers(release: Release) -> Offers:
    """Whether each platform's pre-save can start: an active app with room ("ok"), active
    apps all at their user cap ("cap": the page offers the email reminder instead), or
    none ("unavailable": the button stays; the start sends the fan to the email form).

    A development-mode app that serves only its allow-list cannot tell a visitor on the
    list from one who is not before the consent screen, so its button leads to the email
    path ("email"); with accounts listed, a "tester list" connect button stands beside it
    ("testers")."""
    return workspace_offers([release.artist.workspace_id])[release.artist.workspace_id]


def workspace_offers(workspace_ids: list[int]) -> dict[int, Offers]:
    """``presave_offers`` of the releases of each workspace, in one query for them all."""
    from fanloop.platforms.services import active_apps

    apps = active_apps(workspace_ids)
    out: dict[int, Offers] = {}
    for workspace_id in workspace_ids:
        offers: list[tuple[str, str]] = []
        for platform in PRESAVE_PLATFORMS:
            app, has_room = apps.get((workspace_id, platform.key), (None, False))
            if app is None:
                offer = "unavailable"
            elif not has_room:
                offer = "cap"
            elif app.serves_allow_list_only:
                offer = "testers" if app.allowed_emails else "email"
            else:
                offer = "ok"
            offers.append((platform.key, offer))
        out[workspace_id] = tuple(offers)
    return out


@dataclass(frozen=True)
class PresaveButtons:
    buttons: list[tuple[PagePlatform, str]]  # connect: OAuth start (or Apple's page)
    full: list[tuple[PagePlatform, str]]  # at the cap: "full, get an email" links
    email: list[tuple[PagePlatform, str]]  # development mode: the button is the email path
    testers: set[str]  # platforms whose connect button is for allow-listed testers only


def _presave_buttons(release: Release, offers: Offers) -> PresaveButtons:
    """The page's pre-save buttons and email links, per platform offer."""
    states = dict(offers)
    args = {"artist_slug": release.artist.slug, "release_slug": release.slug}
    notify = reverse("campaigns:notify", kwargs=args)
    out = PresaveButtons([], [], [], set())
    buttons = out.buttons
    for platform, link in presave_links(release):
        offer = states.get(platform.key, "ok")
        if offer == "cap":
            query = urlencode({"reason": "cap", "platform": platform.key})
            out.full.append((platform, f"{notify}?{query}"))
        elif offer in ("email", "testers"):
            query = urlencode({"reason": "development", "platform": platform.key})
            out.email.append((platform, f"{notify}?{query}"))
            if offer == "testers":
                out.testers.add(platform.key)
                buttons.append((platform, link))
        elif signs_in_on_page(platform.key) and offer == "ok":
            # Apple authorizes with MusicKit JS on its own page, not an OAuth redirect.
            buttons.append((platform, f"{reverse('campaigns:apple_connect')}?release={release.pk}"))
        else:
            buttons.append((platform, link))
    return out


def in_app_presave(release: Release) -> list[tuple[PagePlatform, str]]:
    """(platform, counted redirect) of the release's in-app pre-save link (a Spotify
    Countdown Page), if the artist pasted one."""
    if not release.in_app_presave_url:
        return []
    try:
        key, _link = in_app_presave_link(release.in_app_presave_url)
    except ValueError:  # stored before a rule changed: not offered
        return []
    platform = BY_KEY.get(key)
    if platform is None:
        return []
    args = {"artist_slug": release.artist.slug, "release_slug": release.slug}
    return [(platform, reverse("campaigns:in_app_presave", kwargs=args))]


def upfront_consents(release: Release) -> list[tuple[str, str]]:
    """(query name, exact wording) of the consents the pre-save page asks before the login.

    The verify box is on every pre-save page (the read scope is asked for only when it is
    ticked); follow and forever only when the release asks its consents up front."""
    from fanloop.fans.consents import render
    from fanloop.fans.models import ConsentKind

    kinds = (
        (("follow", ConsentKind.FOLLOW), ("forever", ConsentKind.FOREVER_SAVE))
        if release.consents_upfront
        else ()
    ) + (("verify", ConsentKind.VERIFY),)
    return [(name, render(kind, release.artist.name)[1]) for name, kind in kinds]


@functools.lru_cache(maxsize=8)
def _form_action_sources(*authorize_urls: str) -> str:
    origins = {"'self'"}
    for url in authorize_urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return " ".join(sorted(origins))


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_csp(theme: str = "") -> str:
    """The public pages' Content-Security-Policy (inline assets by hash, no other scripts).

    Forms may lead to the page itself and to the platforms' authorize pages that the
    pre-save start redirects to (browsers apply form-action to that redirect too). Cached
    per configured URL pair: this runs on every public page response.
    """
    sources = _form_action_sources(
        settings.SPOTIFY_ACCOUNTS_URL,
        settings.DEEZER_CONNECT_URL,
        *authorize_origins(settings.PLATFORM_EMULATOR_URL),
    )
    csp = inline_assets().csp.replace("{form_action}", sources)
    if theme:  # the release's accent: its own inline style, allowed by its hash
        csp = csp.replace("style-src ", f"style-src {_digest(theme)} ", 1)
    return csp


def after_release_connects(release: Release, offers: Offers) -> list[tuple[PagePlatform, str]]:
    """(platform, connect start) of each platform whose sign-in is open to every fan, for
    the released page's "save future releases" buttons (they ask for the forever save,
    and the follow only when its box is ticked)."""
    from fanloop.campaigns.connect import OAUTH_PLATFORMS

    states = dict(offers)
    return [
        (p, reverse("campaigns:oauth_start", args=[p.key]))
        for p in PRESAVE_PLATFORMS
        if p.key in OAUTH_PLATFORMS and states.get(p.key) == "ok"
    ]


def page_context(
    release: Release, state: PageState, preview: bool, offers: Offers | None = None
) -> dict[str, Any]:
    image = _image_url(release)
    assets = inline_assets()
    offers = presave_offers(release) if offers is None else offers
    found = PresaveButtons([], [], [], set()) if state.live else _presave_buttons(release, offers)
    artist_name = release.artist.name
    buttons = found.buttons
    args = {"artist_slug": release.artist.slug, "release_slug": release.slug}
    artist = release.artist
    return {
        "presave_count": None if state.live else presave_count(release),
        "theme_css": mark_safe(theme_css(release)),  # hex colours only
        "light": release.theme == Theme.LIGHT,
        "page_text": page_text(release, state.live),
        "instant_iso": state.instant.isoformat(),
        "socials": [
            (label, getattr(artist, name)) for name, label in SOCIAL_FIELDS if getattr(artist, name)
        ],
        "avatar": artist.image.url if artist.image and release.artwork else "",
        # The buttons as form submits (the form carries the release and the choices):
        # (platform, form action, mark, what it asks, whether only the app's allow-listed
        # testers can connect).
        "presave_items": [
            (
                platform,
                link.split("?", 1)[0],
                mark(platform.key),
                ask_line(platform.name, PRESAVE_CAPABILITIES),
                platform.key in found.testers,
            )
            for platform, link in buttons
        ],
        "listen_items": [
            (platform, link, mark(platform.key))
            for platform, link in (listen_links(release) if state.live else [])
        ],
        "release": release,
        "artist": release.artist,
        "state": state,
        "preview": preview,
        "date_text": release_date_text(release, state.live),
        "instant_ms": int(state.instant.timestamp() * 1000),
        "description": _description(release, state.live),
        "page_url": absolute(page_path(release)),
        "image_path": image,
        "image_url": absolute(image) if image else "",
        "site_name": settings.SITE_NAME,
        "listen_links": listen_links(release) if state.live else [],
        "presave_links": buttons,
        "presave_full": found.full,
        "presave_email": found.email,
        "in_app_presave": [] if state.live else in_app_presave(release),
        "after_connects": after_release_connects(release, offers) if state.live else [],
        "forever_wording": render_consent(ConsentKind.FOREVER_SAVE, artist_name)[1],
        "follow_wording": render_consent(ConsentKind.FOLLOW, artist_name)[1],
        "upfront_consents": [] if state.live else upfront_consents(release),
        "notify_path": reverse("campaigns:notify", kwargs=args),
        "css": assets.css,
        "js": assets.js,
    }


def render_page(
    release: Release, state: PageState, preview: bool, offers: Offers | None = None
) -> bytes:
    # No request is passed: rendering must never touch the session or set a cookie.
    context = page_context(release, state, preview, offers)
    html = render_to_string("campaigns/release_page.html", context)
    return html.encode()


@dataclass(frozen=True)
class RenderedPage:
    body: bytes
    etag: str
    rendered_at: dt.datetime
    last_modified: str  # rendered_at as an HTTP date
    length: str  # Content-Length: without it the server falls back to chunked encoding
    csp: str  # the page's Content-Security-Policy (its accent style's hash included)


def content_stamp(release: Release, offers: Offers | None = None) -> str:
    """A short hash of every stored value the page shows (any process's edit changes it).

    Hashing the values rather than trusting ``updated`` alone also catches
    ``QuerySet.update()`` writes, which do not touch ``auto_now`` fields.
    """
    values = [str(getattr(release, name)) for name in RELEASE_FIELDS]
    values += [str(getattr(release.artist, name)) for name in ARTIST_FIELDS]
    values += [f"{k}={v}" for k, v in sorted(platform_ids.release_ids(release).items())]
    values += [f"{k}={v}" for k, v in sorted(platform_ids.artist_links(release.artist).items())]
    values += [settings.SITE_URL, settings.SITE_NAME]
    values.append(str(presave_count(release)))  # a shown counter changes the page
    # Which pre-save buttons show depends on the platform apps' caps (``presave_offers``).
    offers = presave_offers(release) if offers is None else offers
    values += [f"{key}={offer}" for key, offer in offers]
    return hashlib.blake2b("\x1f".join(values).encode(), digest_size=12).hexdigest()


def cache_key(release: Release, stamp: str, state: PageState) -> str:
    label = state.countdown.replace(" ", "_")
    mode = "live" if state.live else f"pre:{int(state.instant.timestamp())}:{label}"
    return f"{release.pk}:{stamp}:{mode}"


class _Lru:
    """A small thread-safe LRU dict: rendered pages of this process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, RenderedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> RenderedPage | None:
        with self._lock:
            page = self._data.get(key)
            if page is not None:
                self._data.move_to_end(key)
            return page

    def put(self, key: str, page: RenderedPage) -> None:
        with self._lock:
            self._data[key] = page
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_rendered = _Lru(RENDERED_PAGES)


def public_page(
    release: Release,
    stamp: str,
    state: PageState,
    now: dt.datetime,
    offers: Offers | None = None,
) -> RenderedPage:
    """The public (non-preview) page for ``state``, from this process's cache when possible."""
    key = cache_key(release, stamp, state)
    page = _rendered.get(key)
    if page is None:
        body = render_page(release, state, preview=False, offers=offers)
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        rendered_at = now.replace(microsecond=0)
        last_modified = http_date(rendered_at.timestamp())
        csp = page_csp(theme_css(release))
        page = RenderedPage(body, etag, rendered_at, last_modified, str(len(body)), csp)
        _rendered.put(key, page)
    return page


# --- what this process knows about each public address -----------------------


@dataclass(slots=True)
class KnownPage:
    """A published release as last read from the database for one public address."""

    release: Release
    stamp: str
    checked_at: float  # time.time() of the last read that found it unchanged
    instants: dict[str, dt.datetime] = field(default_factory=dict)  # market → release instant
    offers: Offers | None = None  # pre-save offers read with the release (None: read on render)
    stored: tuple[Any, ...] = ()  # ``stored_values`` of the release when it was read
    served_at: float = 0.0  # time.time() of its last visit from memory

    def instant_for(self, market: str) -> dt.datetime:
        instant = self.instants.get(market)
        if instant is None:
            instant = self.instants[market] = self.release.instant_for_market(market or None)
        return instant


_known: dict[str, KnownPage] = {}
_revalidating = threading.Lock()
# A page not visited for this long is forgotten at the next check rather than re-read: the
# checks then cost what the pages visited lately cost, whatever the catalogue's size.
IDLE_SECONDS = 300.0
# Releases re-read per query when revalidating (SQLite's bound on query parameters).
REVALIDATE_CHUNK = 900


def remember(path: str, release: Release) -> KnownPage:
    # The caps are read with the release, so a freed slot shows within REVALIDATE_SECONDS.
    offers = presave_offers(release)
    stored = stored_values([release.pk]).get(release.pk, ())
    now = time.time()
    stamp = content_stamp(release, offers)
    known = KnownPage(release, stamp, now, offers=offers, stored=stored, served_at=now)
    if len(_known) >= KNOWN_PAGES:  # crude bound: start again rather than grow forever
        _known.clear()
    _known[path] = known
    return known


def recall(path: str) -> KnownPage | None:
    """The release at ``path`` as this process knows it, checked against the database at
    most once per ``REVALIDATE_SECONDS`` (None: unknown or changed, the view reads it).

    One check covers every page known (``revalidate``), made by the request that finds its
    page due; requests for other pages meanwhile get this process's copy. Checking page by
    page instead sent each page through the whole Django stack once a second: with a
    thousand pages that was most requests (``bench/page.py --realistic``).
    """
    known = _known.get(path)
    if known is None:
        return None
    now = time.time()
    if now - known.checked_at < REVALIDATE_SECONDS:
        known.served_at = now
        return known
    if not _revalidating.acquire(blocking=False):
        return known  # another request is checking every page: this copy meanwhile
    try:
        revalidate()
    finally:
        _revalidating.release()
    known = _known.get(path)
    if known is not None:
        known.served_at = now
    return known


def revalidate() -> None:
    """Check the release of every page this process knows: a page whose stored values and
    pre-save offers are unchanged is trusted for another ``REVALIDATE_SECONDS``; any other
    is forgotten (its next visit reads it through the view), and so is a page not visited
    for ``IDLE_SECONDS``, without a query."""
    now = time.time()
    entries = {}
    for path, known in list(_known.items()):
        if now - known.served_at < IDLE_SECONDS:
            entries[path] = known
        else:
            _known.pop(path, None)
    stored = stored_values(sorted({known.release.pk for known in entries.values()}))
    offers = workspace_offers(sorted({values[0] for values in stored.values()}))
    for path, known in entries.items():
        values = stored.get(known.release.pk)
        if values is not None and values == known.stored and offers[values[0]] == known.offers:
            known.checked_at = now
        else:
            _known.pop(path, None)


def stored_values(release_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Per release: its workspace id, the stored values its page shows (``RELEASE_FIELDS``,
    then its artist's ``ARTIST_FIELDS``) as the database returns them, and its pre-save
    count when shown (else None). Equal tuples, equal pages (given the same offers).

    Read without the ORM (one plain query per ``REVALIDATE_CHUNK`` releases): turning a
    thousand rows into Python values took most of a revalidation's 150 ms.
    """
    if not release_ids:
        return {}
    sql, shown = _stored_values_sql()
    out: dict[int, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(release_ids), REVALIDATE_CHUNK):
            chunk = release_ids[start : start + REVALIDATE_CHUNK]
            cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), chunk)
            out.update({row[0]: row[1:] for row in cursor.fetchall()})
    counts = _presave_counts([pk for pk, values in out.items() if values[shown]])
    ids = _platform_id_rows(list(out))
    return {
        pk: (*values, counts.get(pk, 0) if values[shown] else None, ids.get(pk, ()))
        for pk, values in out.items()
    }


def _platform_id_rows(release_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Per release: its platform ids and its artist's (links too), sorted; they are rows of
    their own, so a stored id pasted elsewhere must show like a changed column."""
    rows: dict[int, list[tuple[Any, ...]]] = {pk: [] for pk in release_ids}
    for start in range(0, len(release_ids), REVALIDATE_CHUNK):
        chunk = release_ids[start : start + REVALIDATE_CHUNK]
        for release_id, platform, external_id in ReleasePlatformId.objects.filter(
            release_id__in=chunk
        ).values_list("release_id", "platform", "external_id"):
            rows[release_id].append(("release", platform, external_id))
        for release_id, platform, external_id, url in ArtistPlatformId.objects.filter(
            artist__releases__in=chunk
        ).values_list("artist__releases", "platform", "external_id", "url"):
            rows[release_id].append(("artist", platform, external_id, url))
    return {pk: tuple(sorted(found)) for pk, found in rows.items()}


@functools.cache
def _stored_values_sql() -> tuple[str, int]:
    """The query of ``stored_values`` (``{}``: the id placeholders) and where the
    ``show_presave_count`` flag sits in its rows, after the id."""
    table = connection.ops.quote_name
    columns = [f"a.{_column(Artist, 'workspace')}"]
    columns += [f"r.{_column(Release, name)}" for name in RELEASE_FIELDS]
    columns += [f"a.{_column(Artist, name)}" for name in ARTIST_FIELDS]
    rid = _column(Release, "id")
    tables = (
        f"{table(Release._meta.db_table)} r JOIN {table(Artist._meta.db_table)} a "
        f"ON a.{_column(Artist, 'id')} = r.{_column(Release, 'artist')}"
    )
    # Names from the models' own metadata; the ids go as parameters.
    sql = f"SELECT r.{rid}, {', '.join(columns)} FROM {tables} WHERE r.{rid} IN ({{}})"  # noqa: S608
    return sql, 1 + RELEASE_FIELDS.index("show_presave_count")


def _column(model: type[Model], name: str) -> str:
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    assert isinstance(column, str)
    return connection.ops.quote_name(column)


def _presave_counts(release_ids: list[int]) -> dict[int, int]:
    """``presave_count`` of many releases, in one query per ``REVALIDATE_CHUNK``."""
    counts: dict[int, int] = {}
    for start in range(0, len(release_ids), REVALIDATE_CHUNK):
        chunk = release_ids[start : start + REVALIDATE_CHUNK]
        rows = (
            PreSave.objects.filter(release_id__in=chunk)
            .values("release_id")
            .annotate(n=Count("fan", distinct=True))
        )
        counts.update({row["release_id"]: row["n"] for row in rows})
    return counts


def forget(release_id: int | None = None, artist_id: int | None = None) -> None:
    """Drop what this process knows about a release or an artist's releases (after a save)."""
    for path, known in list(_known.items()):
        if known.release.pk == release_id or known.release.artist_id == artist_id:
            _known.pop(path, None)


# Other public pages' memories (the artist page registers its own): cleared with these.
ALSO_CLEAR: list[Callable[[], None]] = []


def clear() -> None:
    _known.clear()
    _rendered.clear()
    for clear_other in ALSO_CLEAR:
        clear_other()


def public_response(
    request: HttpRequest, known: KnownPage, now: dt.datetime, member: bool = False
) -> HttpResponseBase:
    """The public page as an HTTP response: cache headers, validators, 304s, the page view."""
    release = known.release
    country = request_country(request)
    state = page_state(release, country, now, known.instant_for(country))
    if request.method == "GET":  # HEAD comes from link checkers, not fans
        record_page_view(request, release, member=member, country=country, at=now)
    page = public_page(release, known.stamp, state, now, known.offers)
    response = HttpResponse(page.body, "text/html; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={max_age(state)}"
    response["Content-Length"] = page.length
    response["ETag"] = page.etag
    response["Last-Modified"] = page.last_modified
    # Also forbids framing (frame-ancestors), which X-Frame-Options would repeat.
    response["Content-Security-Policy"] = page.csp
    if release.release_mode == ReleaseMode.LOCAL_MIDNIGHT:
        # The mode depends on the visitor's country: shared caches must keep one copy each.
        response["Vary"] = country_header_name()
    meta = request.META
    if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
        last_modified = int(page.rendered_at.timestamp())
        conditional = get_conditional_response(
            request, etag=page.etag, last_modified=last_modified, response=response
        )
        if conditional is not None:
            return conditional
    return response


def country_header_name() -> str:
    """HTTP_CF_IPCOUNTRY → Cf-Ipcountry (header names are case-insensitive)."""
    return settings.COUNTRY_HEADER.removeprefix("HTTP_").replace("_", "-").title()


def max_age(state: PageState) -> int:
    """Browsers and CDNs may keep the page until the mode switch, never past it."""
    if state.live:
        return PAGE_CACHE_SECONDS
    return max(0, min(PAGE_CACHE_SECONDS, state.seconds_left))


def private(response: HttpResponseBase) -> HttpResponseBase:
    """A fan's own page or step (it shows or carries what is theirs): kept by no cache,
    indexed by no search engine."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
