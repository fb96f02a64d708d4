"""Apple Music pre-save through MusicKit JS: the connect page and the Music-User-Token post.

Apple has no OAuth redirect: MusicKit JS (configured with a developer token signed here)
authorizes in Apple's window and hands the page a Music-User-Token, which the page posts
back with a signed, session-bound, single-use state (the same rules as the OAuth state).
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from fanloop.analytics.ingest import request_country
from fanloop.campaigns import connect
from fanloop.campaigns.inapp import inapp_interstitial
from fanloop.campaigns.notify import fan_page, notify_path, public_release
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import page_path
from fanloop.platforms import errors
from fanloop.platforms.applemusic import KEY as PLATFORM
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import get_platform
from fanloop.platforms.services import active_app, app_has_room

log = logging.getLogger(__name__)

STATE_SALT = "fanloop.apple-state"
PENDING_KEY = "fanloop_apple_pending"
MAX_PENDING = 5  # attempts kept per browser (a few tabs), bounded for the session
TOKEN_MAX_LENGTH = 4096  # real Music-User-Tokens are a few hundred characters


def _adapter(app: PlatformApp) -> AppleMusic:
    # No redirect URI: Apple Music has no OAuth callback.
    adapter = get_platform(PLATFORM, app.credentials(redirect_uri=""))
    assert isinstance(adapter, AppleMusic)
    return adapter


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def thanks_path(release: Release) -> str:
    try:
        return connect.thanks_url(release)
    except NoReverseMatch:  # the thank-you page is not routed yet: back to the release
        return page_path(release)


def _new_state(
    request: HttpRequest, release: Release, app: PlatformApp, options: connect.Options
) -> str:
    """A signed state naming one pending attempt kept in this browser's session, with the
    consents the fan ticked on the pre-save page (recorded only once the pre-save is)."""
    nonce = secrets.token_urlsafe(16)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[nonce] = {
        "release": release.pk,
        "app": app.pk,
        "options": options.query(),
        "attribution": connect.attribution_for(request, release),
        "created": time.time(),
    }
    newest = sorted(pending.items(), key=lambda item: item[1]["created"])[-MAX_PENDING:]
    request.session[PENDING_KEY] = dict(newest)
    return signing.dumps({"n": nonce, "r": release.pk}, salt=STATE_SALT)


class Refused(Exception):
    """A post that cannot be accepted; ``str()`` is the message for the fan."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _take_state(request: HttpRequest, raw: str) -> dict[str, Any]:
    """The pending attempt the state names, consumed now (single use)."""
    if not raw or len(raw) > 1000:
        raise Refused("This pre-save is missing its check code. Start again from the page.")
    try:
        payload = signing.loads(raw, salt=STATE_SALT, max_age=connect.OAUTH_STATE_TTL_SECONDS)
    except signing.SignatureExpired:
        raise Refused(
            "This pre-save took too long to finish, so it was stopped to keep your account "
            "safe. Reload the page and try again."
        ) from None
    except signing.BadSignature:
        raise Refused("This pre-save could not be verified. Start again from the page.") from None
    if not isinstance(payload, dict):
        raise Refused("This pre-save could not be verified. Start again from the page.")
    pending = dict(request.session.get(PENDING_KEY, {}))
    attempt = pending.pop(str(payload.get("n")), None)
    request.session[PENDING_KEY] = pending
    if not isinstance(attempt, dict) or attempt.get("release") != payload.get("r"):
        raise Refused(
            "This pre-save was already completed, or it was started in another browser. "
            "Pre-saves must finish in the browser where they began."
        )
    return attempt


# --- the connect page -------------------------------------------------------------------


@require_GET
def connect_page(request: HttpRequest) -> HttpResponseBase:
    """/connect/applemusic?release=<id>: MusicKit JS, a button, and a state for the post."""
    release = public_release(request.GET.get("release", ""))
    if release is None:
        return connect.problem(
            request,
            "This pre-save link does not work",
            "This release does not exist or is not public. Go back to the artist's page.",
            status=404,
        )
    interstitial = inapp_interstitial(request, release, PLATFORM)
    if interstitial is not None:
        return interstitial
    if release.is_released(request_country(request) or None):
        return _redirect(page_path(release))
    app = active_app(release.artist.workspace, PLATFORM)
    if app is None:
        return _redirect(notify_path(release, "unavailable", PLATFORM))
    if not app_has_room(app):
        return _redirect(notify_path(release, "cap", PLATFORM))
    try:
        developer_token = _adapter(app).developer_token()
    except errors.PlatformError:
        log.warning("Apple Music app %s cannot sign a developer token", app.pk)
        return _redirect(notify_path(release, "unavailable", PLATFORM))
    musickit = settings.APPLE_MUSICKIT_JS_URL
    context = {
        "release": release,
        "artist": release.artist,
        "developer_token": developer_token,
        "musickit_url": musickit,
        "state": _new_state(request, release, app, connect.Options.from_query(request.GET)),
        "token_url": reverse("campaigns:apple_token"),
        "notify_path": notify_path(release),
        "page_path": page_path(release),
        "app_name": release.artist.name,
    }
    origin = _origin(musickit)
    response = fan_page(
        request,
        "campaigns/apple_connect.html",
        context,
        scripts=["apple_connect.js"],
        script_origins=[musickit],
        # MusicKit talks to Apple's API and windows; the emulator's stand-in to its origin.
        connect_origins=[o for o in (origin, "https://*.apple.com") if o],
    )
    # Apple's sign-in window answers through window.opener, which Django's default
    # "same-origin" opener policy would cut for a window on Apple's origin.
    response["Cross-Origin-Opener-Policy"] = "same-origin-allow-popups"
    return response


def _redirect(to: str) -> HttpResponseBase:
    response = HttpResponseRedirect(to)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the token post ---------------------------------------------------------------------


@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """The Music-User-Token from MusicKit JS → connection + pre-save → JSON ``{"next": …}``."""
    try:
        attempt = _take_state(request, str(request.POST.get("state", "")))
        release = public_release(attempt.get("release"))
        if release is None:
            raise Refused("This release is no longer public.", 404)
        app_id = attempt.get("app")
        app = PlatformApp.objects.filter(pk=int(app_id or 0), platform=PLATFORM).first()
        if app is None or not app.active or app.workspace_id != release.artist.workspace_id:
            raise Refused("Apple Music pre-saves are closed for this release.", 409)
        music_user_token = _clean_token(str(request.POST.get("music_user_token", "")))
        tokens = Tokens(access_token=music_user_token)
        profile = _profile(app, tokens)
    except Refused as refused:
        return JsonResponse({"error": str(refused)}, status=refused.status, headers=_NO_STORE)
    options = attempt.get("options")
    # Connection, pre-save and the ticked consents (one service, one transaction). Apple
    # gives no user id: the fan is the one this browser already proved to be, else a new
    # one (see platforms/applemusic.py). A Music-User-Token reads the library as well as it
    # writes it (no separate scope), so a ticked verify box needs no second consent screen.
    fan, _proven = connect.store_presave(
        request,
        release,
        app,
        profile,
        tokens,
        connect.attribution_from_attempt(attempt),
        connect.Options.from_query(options if isinstance(options, dict) else {}),
    )
    # Either a new fan or the session's proven one: this browser may see its data.
    connect.remember_fan(request, fan, proven=True)
    return JsonResponse({"next": thanks_path(release)}, headers=_NO_STORE)


_NO_STORE = {"Cache-Control": "private, no-store"}


def _clean_token(value: str) -> str:
    value = value.strip()
    if not value:
        raise Refused("Apple Music did not send an authorization. Please try again.")
    if len(value) > TOKEN_MAX_LENGTH or not value.isascii() or not value.isprintable():
        raise Refused("This is not an Apple Music authorization. Please try again.")
    return value


def _profile(app: PlatformApp, tokens: Tokens) -> Profile:
    """Validate the token with Apple (its storefront is the fan's country)."""
    try:
        return _adapter(app).profile(tokens)
    except errors.AccessRevoked:
        raise Refused("Apple Music did not accept this authorization. Please try again.") from None
    except (errors.TransientError, errors.RateLimited):
        raise Refused(
            "Apple Music did not answer properly just now. Nothing was saved — try again.", 503
        ) from None
    except errors.PlatformError:
        log.warning("Apple Music refused a Music-User-Token check for app %s", app.pk)
        raise Refused("Apple Music refused this pre-save. Nothing was saved.", 502) from None
