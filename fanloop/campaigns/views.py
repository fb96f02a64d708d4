"""Public fan pages: the release page, its short link, and its click and pre-save links.

Anonymous visitors never touch the session, so these pages set no cookie;
members of the release's workspace get an uncached preview, and are not counted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string
from django.urls import is_valid_path
from django.utils import timezone
from django.views.decorators.http import require_safe

from fanloop.accounts.models import Membership
from fanloop.analytics.ingest import record_click, record_page_view, request_country
from fanloop.campaigns import artist_page as artist_pages
from fanloop.campaigns import pages
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import listen_url, page_path

HTML = "text/html; charset=utf-8"


def _is_member(request: HttpRequest, release: Release) -> bool:
    # Without a session cookie there is nobody to check: do not touch the session
    # (that would cost a lookup and could make Django add Vary: Cookie).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = request.user
    return bool(
        user.is_authenticated
        and Membership.objects.filter(user=user, workspace_id=release.artist.workspace_id).exists()
    )


def not_found(request: HttpRequest) -> HttpResponse:
    """A small friendly 404; /w/x (without a slash) still reaches the dashboard's /w/x/."""
    if not request.path_info.endswith("/"):
        match = is_valid_path(f"{request.path_info}/")
        if match and match.namespace != "campaigns":
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    response = HttpResponse(render_to_string("campaigns/not_found.html"), HTML, status=404)
    response["Cache-Control"] = "no-cache"
    return response


def _visible(request: HttpRequest, release: Release | None) -> tuple[Release | None, bool]:
    """The release if this visitor may see it, and whether they are a member."""
    if release is None:
        return None, False
    member = _is_member(request, release)
    if not release.published and not member:
        return None, False
    return release, member


@require_safe
def release_page(request: HttpRequest, artist_slug: str, release_slug: str) -> HttpResponseBase:
    release, member = _visible(request, pages.find_release(artist_slug, release_slug))
    if release is None:
        return not_found(request)
    now = timezone.now()
    if member and (not release.published or request.GET.get("preview")):
        return _preview(request, release, now)
    if member:
        known = pages.KnownPage(release, pages.content_stamp(release), 0)
    else:  # the middleware may serve the next anonymous visits from memory
        known = pages.remember(request.path_info, release)
    return pages.public_response(request, known, now, member=member)


def _preview(request: HttpRequest, release: Release, now: dt.datetime) -> HttpResponseBase:
    """What members see: never cached, never indexed, never counted."""
    country = request_country(request)
    state = pages.page_state(release, country, now)
    if request.method == "GET":
        record_page_view(request, release, member=True, country=country, at=now)
    response = HttpResponse(pages.render_page(release, state, preview=True), HTML)
    response["Content-Security-Policy"] = pages.page_csp(pages.theme_css(release))
    return pages.private(response)


@require_safe
def release_page_slash(request: HttpRequest, artist_slug: str, release_slug: str) -> HttpResponse:
    """/<artist>/<release>/ (as people type it) → the canonical address without the slash."""
    release, _ = _visible(request, pages.find_release(artist_slug, release_slug))
    if release is None:
        return not_found(request)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(page_path(release) + (f"?{query}" if query else ""))


@require_safe
def short_link(request: HttpRequest, code: str) -> HttpResponseBase:
    """/r/<code> → the canonical page, keeping the query string (UTM parameters)."""
    release, _ = _visible(request, pages.find_release_by_code(code))
    if release is None:
        return not_found(request)
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponseRedirect(page_path(release) + (f"?{query}" if query else ""))
    if not release.published:
        return pages.private(response)
    response["Cache-Control"] = f"public, max-age={pages.PAGE_CACHE_SECONDS}"
    return response


# How a click on the in-app pre-save button is logged: a click whose platform says which way.
IN_APP_SUFFIX = ":in-app"


@require_safe
def in_app_presave(request: HttpRequest, artist_slug: str, release_slug: str) -> HttpResponseBase:
    """Count a click on "Pre-save inside the <platform> app", then send the fan there."""
    release, member = _visible(request, pages.find_release(artist_slug, release_slug))
    offered = pages.in_app_presave(release) if release is not None else []
    if release is None or not offered:
        return not_found(request)
    platform, _path = offered[0]
    if request.method == "GET":  # HEAD comes from link checkers, not fans
        record_click(request, release, platform.key + IN_APP_SUFFIX, member=member)
    response = HttpResponseRedirect(release.in_app_presave_url)
    response["Cache-Control"] = "no-store"  # every click must reach us to be counted
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def listen(
    request: HttpRequest, artist_slug: str, release_slug: str, platform: str
) -> HttpResponseBase:
    """Count a click on a listen link, then send the fan to the platform."""
    release, member = _visible(request, pages.find_release(artist_slug, release_slug))
    target = listen_url(release, platform) if release else None
    if release is None or target is None:
        return not_found(request)
    if request.method == "GET":  # HEAD comes from link checkers, not fans
        record_click(request, release, platform, member=member)
    response = HttpResponseRedirect(target)
    # Every click must reach us to be counted.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def artist_page(request: HttpRequest, artist_slug: str) -> HttpResponseBase:
    """/<artist>: the artist's always-on page (link in bio). Only published releases show,
    so members see what fans see (and are not counted)."""
    known = artist_pages.known_artist(artist_slug)
    if known is None:
        return not_found(request)
    # Members checking their own page are not counted (the page is the fans' one).
    member = bool(known.releases) and _is_member(request, known.releases[0])
    return artist_pages.response(request, known, timezone.now(), member=member)
