"""In-app browsers (Instagram, TikTok, Facebook, ...): detection from the user agent, the
page that explains how to get out of them before a login, and the count of each way out.

Why: inside these webviews platform logins often fail (no saved passwords, Google/Apple
sign-in refused in webviews, popups blocked), so the fan is offered a real browser first.
The Google app (``GSA``) is not treated as in-app: it hands logins to Safari/Chrome
views that keep the fan's sessions, and interrupting every Google search visitor would
cost more pre-saves than it saves.
"""

from __future__ import annotations

import logging
import re
import smtplib
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fanloop.analytics.ingest import hit_from_request, record
from fanloop.analytics.models import EventKind
from fanloop.campaigns.notify import fan_page, public_release, rate_limited
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import BY_KEY, page_path
from fanloop.fans.identity import normalize_email
from fanloop.lib.mail import send_templated, workspace_headers
from fanloop.platforms.registry import signs_in_on_page

log = logging.getLogger(__name__)

# (pattern, app name) in order: Messenger before Facebook, whose tokens it also carries.
IN_APP_BROWSERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"Instagram", "Instagram"),
        (r"FBAN/Messenger|FB_IAB/MESSENGER|\bMessenger(ForiOS|Lite)?/|Orca-Android", "Messenger"),
        (r"FBAN/|FBAV/|FB_IAB/|FBIOS|\[FB", "Facebook"),
        (r"musical_ly|BytedanceWebview|TikTok|\btrill_", "TikTok"),
        (r"Snapchat", "Snapchat"),
        (r"Twitter(Android)?\b|\bTwitter for", "X (Twitter)"),
        (r"LinkedInApp", "LinkedIn"),
        (r"\bLine/\d", "LINE"),
        (r"MicroMessenger", "WeChat"),
        (r"Pinterest", "Pinterest"),
        # Any other Android app's WebView ("; wv)" is only in embedded WebViews).
        (r"Android [^;]*;[^)]*; wv\)", "this app"),
    )
)

# Ways out the page offers, as event kinds; "shown" is counted by the server.
BEACON_KINDS = {
    "open_browser": EventKind.INAPP_OPEN_BROWSER,
    "copy_link": EventKind.INAPP_COPY_LINK,
}
CONTINUE = "continue"


def detect(user_agent: str) -> str | None:
    """The in-app browser's app name ("Instagram", ...), or None for a real browser."""
    if not user_agent:
        return None
    for pattern, name in IN_APP_BROWSERS:
        if pattern.search(user_agent):
            return name
    return None


def count(request: HttpRequest, release: Release, kind: str, platform: str = "") -> None:
    """One in-app event in the event log (bots and members are filtered as for page views)."""
    record(hit_from_request(request, kind, release, platform=platform))


def presave_start(release: Release, platform: str) -> str:
    """Where the pre-save continues once the fan is in a real browser."""
    if signs_in_on_page(platform):  # Apple's MusicKit, on a page of its own
        return f"{reverse('campaigns:apple_connect')}?release={release.pk}"
    try:
        return f"{reverse('campaigns:oauth_start', args=[platform])}?release={release.pk}"
    except NoReverseMatch:  # the OAuth flow is not routed: the page's own pre-save link
        args = {"artist_slug": release.artist.slug, "release_slug": release.slug}
        return reverse("campaigns:presave", kwargs={**args, "platform": platform})


def _continue_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["inapp"] = CONTINUE
    return f"{request.path}?{query.urlencode()}"


def _intent_url(absolute: str) -> str:
    """Android: open the address in Chrome (or the default browser when Chrome is absent)."""
    parts = urlsplit(absolute)
    rest = absolute.split("://", 1)[1]
    fallback = urlencode({"S.browser_fallback_url": absolute})
    return f"intent://{rest}#Intent;scheme={parts.scheme};{fallback};end"


def inapp_interstitial(
    request: HttpRequest, release: Release, platform: str
) -> HttpResponse | None:
    """The page explaining how to leave an in-app browser, or None to continue the flow.

    Called first by every pre-save start (OAuth and Apple Music). ``?inapp=continue`` is
    the fan's "continue anyway": counted once, then the flow goes on.
    """
    app = detect(str(request.META.get("HTTP_USER_AGENT", "")))
    if app is None or platform not in BY_KEY:
        return None
    if request.GET.get("inapp") == CONTINUE:
        if request.method == "GET":
            count(request, release, EventKind.INAPP_CONTINUE, platform)
        return None
    if request.method == "GET":
        count(request, release, EventKind.INAPP_SHOWN, platform)
    here = settings.SITE_URL + presave_start(release, platform)
    context = {
        "app": app,
        "release": release,
        "platform": BY_KEY[platform],
        "here": here,
        "intent_url": _intent_url(here),
        "continue_url": _continue_url(request),
        "page_path": page_path(release),
        "ios": "iPhone" in str(request.META.get("HTTP_USER_AGENT", ""))
        or "iPad" in str(request.META.get("HTTP_USER_AGENT", "")),
    }
    return fan_page(request, "campaigns/inapp.html", context, scripts=["inapp.js"])


@csrf_exempt  # a counting beacon (navigator.sendBeacon cannot send a CSRF header); no writes
@require_POST
def event(request: HttpRequest) -> HttpResponse:
    """Count a client-side way out (open in browser, copy link): known kinds only."""
    kind = BEACON_KINDS.get(str(request.POST.get("kind", "")))
    release = public_release(request.POST.get("release", ""))
    platform = str(request.POST.get("platform", ""))
    if kind is None or release is None or platform not in BY_KEY:
        return HttpResponse("unknown event", status=400, content_type="text/plain")
    if rate_limited(request, release, f"inapp-{kind}"):
        return HttpResponse(status=204)  # silently not counted: a beacon has no reader
    count(request, release, kind, platform)
    return HttpResponse(status=204)


@require_POST
def email_link(request: HttpRequest) -> HttpResponse:
    """ "Email me a link": the release page and the pre-save start, to open on any browser.

    The address is used for this one email only: no fan, no consent, nothing stored.
    """
    release = public_release(request.POST.get("release", ""))
    platform = str(request.POST.get("platform", ""))
    if release is None or platform not in BY_KEY:
        return fan_page(
            request,
            "campaigns/inapp_sent.html",
            {"error": "This link is not valid any more. Go back to the artist's page."},
            status=400,
        )
    here = settings.SITE_URL + presave_start(release, platform)
    context = {
        "release": release,
        "platform": BY_KEY[platform],
        "here": here,
        "page_path": page_path(release),
        "email": str(request.POST.get("email", ""))[:300],
    }
    try:
        address = normalize_email(str(request.POST.get("email", "")))
    except ValidationError as exc:
        context["error"] = exc.message_dict["email"][0]
        return fan_page(request, "campaigns/inapp_sent.html", context, status=400)
    if rate_limited(request, release, "inapp-email"):
        context["error"] = (
            "Too many emails from your connection. Please try again in a few minutes."
        )
        return fan_page(request, "campaigns/inapp_sent.html", context, status=429)
    try:
        send_link_email(address, release, platform)
    except (OSError, smtplib.SMTPException):
        log.exception("in-app 'email me a link' failed for release %s", release.pk)
        context["error"] = "We could not send the email just now. Please try again."
        return fan_page(request, "campaigns/inapp_sent.html", context, status=503)
    count(request, release, EventKind.INAPP_EMAIL_LINK, platform)
    context["sent_to"] = address
    return fan_page(request, "campaigns/inapp_sent.html", context)


def send_link_email(to: str, release: Release, platform: str) -> None:
    """The one email: the pre-save link and the release page, nothing else."""
    context = {
        "release": release,
        "artist": release.artist,
        "platform": BY_KEY[platform],
        "presave_url": settings.SITE_URL + presave_start(release, platform),
        "page_url": settings.SITE_URL + page_path(release),
    }
    headers = workspace_headers(release.artist.workspace_id, "campaigns:inapp-link")
    send_templated("campaigns/emails/inapp-link", to, context, headers=headers)
