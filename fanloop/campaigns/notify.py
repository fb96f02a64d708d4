"""Email-only pre-save ("notify me on release day") and the double opt-in confirmation page.

Also the small pieces the other fan-facing capture pages share: their rendering (inline
CSS and scripts under a strict CSP), a per-visitor rate limit, and attribution of a visit.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import smtplib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from fanloop.analytics.ingest import request_country, visitor_id_for
from fanloop.campaigns import pages
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import BY_KEY, page_path
from fanloop.fans import consents, links
from fanloop.fans.identity import EMAIL_MAX_LENGTH, normalize_email
from fanloop.fans.models import ConsentKind
from fanloop.fans.optin import confirm_email, subscribe_email
from fanloop.fans.presaves import Attribution
from fanloop.fans.rights import portal_url
from fanloop.lib.signing import InvalidLink
from fanloop.lib.visitor import client_ip
from fanloop.platforms.registry import PLATFORMS

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates" / "campaigns"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")
# Hidden attribution fields are ours, but a visitor can edit them: cut them short.
ATTRIBUTION_MAX = 300
REASONS = ("cap", "unavailable", "development")
# "Notify me" sign-ups and "email me a link" sends allowed per visitor address and release
# within RATE_WINDOW_SECONDS. Not measured; chosen to allow a household's few fans and typos
# while a script cannot mail-bomb an address.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 600


# --- shared by the capture pages -------------------------------------------------------


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@functools.cache
def script(name: str) -> tuple[str, str]:
    """(source, CSP hash) of a small inline script (or stylesheet) kept next to the templates."""
    source = (TEMPLATES / name).read_text().strip()
    return source, _digest(source)


def fan_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    scripts: Iterable[str] = (),
    script_origins: Iterable[str] = (),
    connect_origins: Iterable[str] = (),
) -> HttpResponse:
    """A small capture page in the release page's look: never cached, never indexed.

    Rendered with the request (these pages carry CSRF tokens), unlike the release page.
    """
    css, _ = script("notify.css")
    css = f"{pages.inline_assets().css}\n{css}"
    sources = [script(name) for name in scripts]
    context = {
        **context,
        "css": mark_safe(css),
        "scripts": [source for source, _ in sources],
        "site_name": settings.SITE_NAME,
    }
    response = render(request, template, context, status=status)
    script_src = " ".join([*(digest for _, digest in sources), *script_origins]) or "'none'"
    connect_src = " ".join(["'self'", *connect_origins])
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {_digest(css)}; script-src {script_src}; "
        f"connect-src {connect_src}; img-src 'self' https: data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    pages.private(response)
    # The page addresses carry signed tokens and campaign tags: keep them to ourselves.
    response["Referrer-Policy"] = "same-origin"
    return response


def rate_limited(request: HttpRequest, release: Release, bucket: str) -> bool:
    """Count one attempt; True once this IP made more than ``RATE_LIMIT`` of them
    for ``release`` within ``RATE_WINDOW_SECONDS`` (each process has its own count
    with the default in-memory cache: a limit on abuse, not an exact quota)."""
    ip = hashlib.sha256(client_ip(request).encode()).hexdigest()[:16]
    key = f"rate:{bucket}:{release.pk}:{ip}"
    window = RATE_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return False
    return count > RATE_LIMIT


def public_release(release_id: object) -> Release | None:
    """A published release by id (from a query string or a form), else None."""
    try:
        pk = int(str(release_id))
    except ValueError:
        return None
    return (
        Release.objects.select_related("artist", "artist__workspace")
        .filter(pk=pk, published=True)
        .first()
    )


def find_public(artist_slug: str, release_slug: str) -> Release | None:
    release = pages.find_release(artist_slug, release_slug)
    return release if release is not None and release.published else None


def _clip(value: object, length: int = ATTRIBUTION_MAX) -> str:
    return "".join(ch for ch in str(value or "") if ch.isprintable()).strip()[:length]


def visit_attribution(request: HttpRequest) -> dict[str, str]:
    """UTM tags, referrer host and landing page of the visit that led here.

    The release page is identical for every visitor, so its links cannot carry a visitor's
    UTM tags: they are read from this request's own query, else from the release page
    address in the Referer (same origin), the way the event log reads a listen click.
    """
    query = dict(parse_qsl(request.META.get("QUERY_STRING", "")))
    referrer = str(request.META.get("HTTP_REFERER", ""))
    try:
        parts = urlsplit(referrer) if referrer else None
    except ValueError:
        parts = None
    own = request.get_host().rsplit(":", 1)[0].lower()
    values = {key: _clip(query.get(key), 100) for key in UTM_KEYS}
    landing = ""
    referrer_host = ""
    if parts is not None and (parts.hostname or "") in (own, urlsplit(settings.SITE_URL).hostname):
        from_page = dict(parse_qsl(parts.query))
        for key in UTM_KEYS:
            values[key] = values[key] or _clip(from_page.get(key), 100)
        landing = _clip(parts.path)
    elif parts is not None and parts.hostname:
        referrer_host = parts.hostname.removeprefix("www.")[:253]
    return {**values, "referrer_host": referrer_host, "landing_page": landing}


def attribution_from(
    values: dict[str, str], request: HttpRequest, release: Release | None = None
) -> Attribution:
    return Attribution(
        visitor_id=visitor_id_for(request, release) if release is not None else "",
        utm_source=values.get("utm_source", ""),
        utm_medium=values.get("utm_medium", ""),
        utm_campaign=values.get("utm_campaign", ""),
        referrer_host=values.get("referrer_host", ""),
        landing_page=values.get("landing_page", ""),
        country=request_country(request),
    )


def notify_path(release: Release, reason: str = "", platform: str = "") -> str:
    path = reverse(
        "campaigns:notify",
        kwargs={"artist_slug": release.artist.slug, "release_slug": release.slug},
    )
    query = {k: v for k, v in (("reason", reason), ("platform", platform)) if v}
    return f"{path}?{urlencode(query)}" if query else path


# --- notify me (email-only pre-save) ---------------------------------------------------


def _notify_context(
    request: HttpRequest, release: Release, source: dict[str, str]
) -> dict[str, Any]:
    reason = source.get("reason", "")
    platform = BY_KEY.get(source.get("platform", ""))
    _, wording = consents.render(ConsentKind.EMAIL, release.artist.name)
    return {
        "release": release,
        "artist": release.artist,
        "reason": reason if reason in REASONS else "",
        "platform": platform,
        "wording": wording,
        "page_path": page_path(release),
        "released": release.is_released(request_country(request) or None),
        "email_max": EMAIL_MAX_LENGTH,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def notify(request: HttpRequest, artist_slug: str, release_slug: str) -> HttpResponse:
    """GET: the "email me on release day" form; POST: an email-only pre-save."""
    release = find_public(artist_slug, release_slug)
    if release is None:
        from fanloop.campaigns.views import not_found

        return not_found(request)
    if request.method != "POST":
        context = _notify_context(request, release, request.GET.dict())
        context["attribution"] = visit_attribution(request)
        email = request.GET.get("email", "")
        context["email"] = email if len(email) <= EMAIL_MAX_LENGTH else ""
        return fan_page(request, "campaigns/notify.html", context)
    return _notify_post(request, release)


def _chosen_platform(value: object) -> str:
    """The platform the fan came from (the email path of its button), if it is one."""
    key = str(value or "")
    return key if key in PLATFORMS else ""


def _notify_post(request: HttpRequest, release: Release) -> HttpResponse:
    data = request.POST
    context = _notify_context(request, release, data.dict())
    attribution = {
        key: _clip(data.get(key), 253 if key == "referrer_host" else 100)
        for key in (*UTM_KEYS, "referrer_host")
    }
    attribution["landing_page"] = _clip(data.get("landing_page"))
    context["attribution"] = attribution
    context["email"] = _clip(data.get("email"), EMAIL_MAX_LENGTH + 1)
    errors: dict[str, str] = {}
    address = ""
    try:
        address = normalize_email(str(data.get("email", "")))
    except ValidationError as exc:
        errors["email"] = exc.message_dict["email"][0]
    if data.get("consent") != "yes":
        errors["consent"] = "Tick the box to agree to emails, or we cannot send you one."
    if not errors and rate_limited(request, release, "notify"):
        errors["form"] = (
            "Too many sign-ups from your connection. Please try again in a few minutes."
        )
        context["errors"] = errors
        return fan_page(request, "campaigns/notify.html", context, status=429)
    if errors:
        context["errors"] = errors
        return fan_page(request, "campaigns/notify.html", context, status=400)
    try:
        subscribe_email(
            release.artist.workspace,
            address,
            release=release,
            artist=release.artist,
            page=page_path(release) + "/notify",
            attribution=attribution_from(attribution, request, release),
            # Once the release is out the form is the artist's email list, not a pre-save.
            notify_me=not context["released"],
            chosen_platform=_chosen_platform(data.get("platform")),
        )
    except (OSError, smtplib.SMTPException):
        # The sign-up is stored; sending again on resubmit is safe (idempotent pre-save).
        log.exception("notify-me confirmation email failed for release %s", release.pk)
        context["errors"] = {
            "form": "We could not send the confirmation email just now. Please try again."
        }
        return fan_page(request, "campaigns/notify.html", context, status=503)
    context.update(email=address, double_opt_in=settings.EMAIL_DOUBLE_OPT_IN)
    return fan_page(request, "campaigns/notify_sent.html", context)


# --- double opt-in confirmation -----------------------------------------------------


def _invalid_confirm_link(request: HttpRequest, exc: InvalidLink) -> HttpResponse:
    return fan_page(
        request,
        "campaigns/confirm_email_invalid.html",
        {"message": str(exc), "expired": exc.expired},
        status=400,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links: they must not confirm); POST confirms."""
    try:
        _, address = links.read_confirm_token(token)
    except InvalidLink as exc:
        return _invalid_confirm_link(request, exc)
    if request.method != "POST":
        return fan_page(request, "campaigns/confirm_email.html", {"email": address})
    try:
        fan = confirm_email(token)
    except InvalidLink as exc:
        return _invalid_confirm_link(request, exc)
    # Following the link proves the mailbox: its owner may see their data.
    context = {"email": address, "portal_url": portal_url(fan), "at": timezone.now()}
    return fan_page(request, "campaigns/confirm_email_done.html", context)
