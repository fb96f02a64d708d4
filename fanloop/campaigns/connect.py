"""The OAuth pre-save round trip for Spotify and Deezer: start (state + PKCE) and callback.

The ``state`` is signed, short-lived, names one pending attempt kept in this browser's
session and is consumed on first use, so a state that is tampered with, replayed, expired
or carried to another browser is refused before any code is exchanged.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from fanloop.analytics.ingest import (
    hit_from_request,
    request_country,
    take_visitor_id,
)
from fanloop.analytics.models import Event, EventKind
from fanloop.campaigns import pages
from fanloop.campaigns.inapp import inapp_interstitial
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import BY_KEY, page_path
from fanloop.fans import identity, presaves
from fanloop.fans.models import ConsentKind, Fan
from fanloop.platforms import errors, registry
from fanloop.platforms.base import Capability, Pkce, Profile, Tokens
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import get_platform
from fanloop.platforms.services import active_app, app_has_room

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
STATE_SALT = "fanloop.oauth-state"
PENDING_KEY = "fanloop_oauth_pending"
FAN_IDS_KEY = "fanloop_fan_ids"
MAX_PENDING = 5  # attempts kept per browser: enough for a few tabs, bounded for the session
# The platforms signed in through an OAuth redirect (Apple Music goes through MusicKit JS).
OAUTH_PLATFORMS = registry.oauth_keys()
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
DENIED_ERRORS = frozenset({"access_denied", "user_denied"})  # Spotify / Deezer wording
# A pre-save's OAuth round trip (the signed, single-use ``state``) must finish within this.
# Not measured; chosen as ten minutes: a fan logging in and reading the consent screen.
OAUTH_STATE_TTL_SECONDS = 600


# --- options chosen by the fan -------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The consents a fan chose before connecting (all off unless explicitly ticked)."""

    follow: bool = False
    forever: bool = False
    verify: bool = False

    @classmethod
    def from_query(cls, query: Any) -> Options:
        def ticked(name: str) -> bool:
            return str(query.get(name, "")).lower() in ("1", "on", "yes", "true")

        return cls(ticked("follow"), ticked("forever"), ticked("verify"))

    def capabilities(self) -> frozenset[Capability]:
        # A forever save writes future releases to the library: SAVE covers it.
        caps = {Capability.SAVE}
        if self.follow:
            caps.add(Capability.FOLLOW)
        if self.verify:
            caps.add(Capability.VERIFY)
        return frozenset(caps)

    def consent_kinds(self) -> list[str]:
        chosen = [
            (self.follow, ConsentKind.FOLLOW),
            (self.forever, ConsentKind.FOREVER_SAVE),
            (self.verify, ConsentKind.VERIFY),
        ]
        return [kind.value for on, kind in chosen if on]

    def query(self) -> dict[str, str]:
        return {name: "1" for name in ("follow", "forever", "verify") if getattr(self, name)}


def start_url(release: Release, platform: str, options: Options | None = None) -> str:
    """The pre-save button's address (also the retry link of every error page)."""
    query = {"release": str(release.pk), **(options or Options()).query()}
    return f"{reverse('campaigns:oauth_start', args=[platform])}?{urlencode(query)}"


def notify_url(release: Release, platform: str, reason: str) -> str:
    """The email "notify me" fallback (built by capture-flow part 2 at this fixed path)."""
    return f"{page_path(release)}/notify?{urlencode({'reason': reason, 'platform': platform})}"


def thanks_url(release: Release) -> str:
    return reverse(
        "campaigns:thanks",
        kwargs={"artist_slug": release.artist.slug, "release_slug": release.slug},
    )


# --- the browser's fan ----------------------------------------------------------------


def remember_fan(request: HttpRequest, fan: Fan, *, proven: bool) -> None:
    """Note in the session that this browser pre-saved as ``fan`` (one fan per workspace).

    ``proven``: the browser showed it is this fan (a new fan, or found by platform user id
    or by the session's own fan); a fan found only by an email a platform reported is not,
    so the thank-you page never hands that fan's data to this browser.
    """
    known = dict(request.session.get(FAN_IDS_KEY, {}))
    known[str(fan.workspace_id)] = {"fan": fan.pk, "proven": proven}
    request.session[FAN_IDS_KEY] = known


def session_fan(request: HttpRequest, workspace_id: int) -> tuple[Fan | None, bool]:
    """(the fan this browser pre-saved as in the workspace, whether it is proven)."""
    entry = request.session.get(FAN_IDS_KEY, {}).get(str(workspace_id))
    if not isinstance(entry, dict) or not isinstance(entry.get("fan"), int):
        return None, False
    fan = Fan.objects.filter(pk=entry["fan"], workspace_id=workspace_id).first()
    return fan, bool(fan and entry.get("proven"))


# --- responses -------------------------------------------------------------------------


def problem(
    request: HttpRequest,
    title: str,
    message: str,
    *,
    status: int,
    release: Release | None = None,
    retry: str | None = None,
) -> HttpResponseBase:
    """A small page in the release page's style: what happened and what to do next."""
    html = render_to_string(
        "campaigns/connect_problem.html",
        {
            "title": title,
            "message": message,
            "release": release,
            "page_path": page_path(release) if release else None,
            "retry": retry,
            "css": pages.inline_assets().css,
        },
        request=request,
    )
    response = HttpResponse(html, HTML, status=status)
    response["Content-Security-Policy"] = pages.page_csp()
    return pages.private(response)


def _release_by_id(raw: object) -> Release | None:
    try:
        pk = int(str(raw))
    except ValueError:
        return None
    if pk <= 0 or pk > 2**62:
        return None
    return (
        Release.objects.select_related("artist", "artist__workspace")
        .filter(pk=pk, published=True)
        .first()
    )


def _not_found(request: HttpRequest, what: str) -> HttpResponseBase:
    return problem(
        request,
        "This page is not here",
        f"{what} Go back to the artist's page and tap the pre-save button again.",
        status=404,
    )


# --- attribution ------------------------------------------------------------------------


def attribution_for(request: HttpRequest, release: Release) -> dict[str, str]:
    """UTM parameters of the page the fan came from, and the site that sent them there.

    The public page is identical for everyone, so the UTM parameters ride in the pre-save
    link's query or in the Referer (our own page's address, sent in full same-origin);
    the outside referrer comes from the page view the event log recorded for this visitor.
    """
    values = {name: str(request.GET.get(name, "")) for name in UTM_FIELDS}
    referer = str(request.META.get("HTTP_REFERER", ""))
    landing = page_path(release)
    try:
        parts = urlsplit(referer)
    except ValueError:
        parts = None
    own_host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    if parts and (parts.hostname or "").lower() in (own_host, request.get_host().split(":")[0]):
        landing = parts.path or landing
        for name, value in parse_qsl(parts.query):
            if name in values and not values[name]:
                values[name] = value
    country = request_country(request)
    # The same visitor id the event log gave this fan's page view today (salted hash).
    hit = hit_from_request(request, EventKind.PAGE_VIEW, release, country=country)
    take_visitor_id(hit)
    event = (
        Event.objects.filter(
            release=release, kind=EventKind.PAGE_VIEW, visitor_id=hit.fields["visitor_id"]
        )
        .order_by("-pk")
        .first()
    )
    return {
        **values,
        "referrer_host": event.referrer_host if event else "",
        "landing_page": landing,
        "country": country,
        "visitor_id": hit.fields["visitor_id"],
    }


# --- start ------------------------------------------------------------------------------


@require_GET
def oauth_start(request: HttpRequest, platform: str) -> HttpResponseBase:
    """The pre-save button: check the release and the app, then send the fan to the platform."""
    if platform not in BY_KEY:
        return _not_found(request, f"“{platform[:40]}” is not a streaming service we support.")
    release = _release_by_id(request.GET.get("release", ""))
    if release is None:
        return _not_found(request, "This release does not exist or is not public.")
    interstitial = inapp_interstitial(request, release, platform)
    if interstitial is not None:
        return interstitial
    options = Options.from_query(request.GET)
    released = release.is_released(request_country(request) or None)
    after = released and str(request.GET.get("after", "")) == "1"
    if after and (platform not in OAUTH_PLATFORMS or not options.forever):
        # After release a connection serves the next releases (the forever save, and the
        # follow done with them); without it, or a sign-in to ask, there is nothing to do.
        return pages.private(HttpResponseRedirect(page_path(release)))
    if platform not in OAUTH_PLATFORMS:
        return _apple(request, release, options)
    if released and not after:
        # Out already: the page now offers listen links instead of pre-saves.
        return pages.private(HttpResponseRedirect(page_path(release)))
    app = active_app(release.artist.workspace, platform)
    if app is None:
        return pages.private(HttpResponseRedirect(notify_url(release, platform, "unavailable")))
    if not app_has_room(app):
        return pages.private(HttpResponseRedirect(notify_url(release, platform, "cap")))
    if app.serves_allow_list_only and not app.allowed_emails:
        # A development-mode app with nobody listed: every fan would pass the consent
        # screen only to be refused, so none is sent there (an old link, a typed address).
        return pages.private(HttpResponseRedirect(notify_url(release, platform, "development")))
    attempt: dict[str, Any] = {
        "options": options.query(),
        "attribution": attribution_for(request, release),
    }
    if after:
        # After release: only what the ticked boxes need (no save of this release).
        options = Options(follow=options.follow, forever=options.forever)
        attempt = {"options": options.query(), "after": True}
        return _to_platform(request, release, app, after_capabilities(options), attempt)
    return _to_platform(request, release, app, options.capabilities(), attempt)


def after_capabilities(options: Options) -> frozenset[Capability]:
    """What connecting after release asks for: save (the artist's future releases), and
    follow when its box is ticked. Never the read scope."""
    return frozenset({Capability.SAVE, *([Capability.FOLLOW] if options.follow else [])})


def start_for_fan(
    request: HttpRequest,
    release: Release,
    app: PlatformApp,
    capabilities: frozenset[Capability],
    *,
    fan: Fan,
    then: str,
    retry: str,
) -> HttpResponseBase:
    """OAuth for a known fan and exactly ``capabilities`` (a flow's one-click action page).

    The callback stores the connection on that fan, records no pre-save and no consent
    (the action page records its own), and sends the browser to the local path ``then``.
    """
    attempt = {"options": {}, "for_fan": {"fan": fan.pk, "then": then, "retry": retry}}
    return _to_platform(request, release, app, capabilities, attempt)


def _to_platform(
    request: HttpRequest,
    release: Release,
    app: PlatformApp,
    capabilities: frozenset[Capability],
    attempt: dict[str, Any],
) -> HttpResponseBase:
    """Keep a pending attempt in the session and send the browser to the authorize page."""
    pkce = Pkce.generate()
    nonce = secrets.token_urlsafe(16)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[nonce] = {
        "verifier": pkce.verifier,
        "release": release.pk,
        "platform": app.platform,
        "app": app.pk,
        "created": time.time(),
        **attempt,
    }
    # Bounded: only the most recent attempts of this browser stay usable.
    newest = sorted(pending.items(), key=lambda item: item[1]["created"])[-MAX_PENDING:]
    request.session[PENDING_KEY] = dict(newest)
    state = signing.dumps({"n": nonce, "r": release.pk, "p": app.platform}, salt=STATE_SALT)
    adapter = get_platform(app.platform, app.credentials())
    return pages.private(HttpResponseRedirect(adapter.authorize_url(state, pkce, capabilities)))


def _apple(request: HttpRequest, release: Release, options: Options) -> HttpResponseBase:
    """Apple Music has no OAuth redirect: it authorizes through MusicKit JS (part 2's page)."""
    query = urlencode({"release": str(release.pk), **options.query()})
    return pages.private(HttpResponseRedirect(f"{reverse('campaigns:apple_connect')}?{query}"))


# --- callback ---------------------------------------------------------------------------


class StateRefused(Exception):
    """The state failed a check; ``str()`` is the message for the fan."""


def _read_state(request: HttpRequest, platform: str) -> tuple[dict[str, Any], Release]:
    """The pending attempt the state names, consumed (single use), and its release."""
    raw = str(request.GET.get("state", ""))
    if not raw or len(raw) > 1000:
        raise StateRefused("The answer from the streaming service is missing its check code.")
    try:
        payload = signing.loads(raw, salt=STATE_SALT, max_age=OAUTH_STATE_TTL_SECONDS)
    except signing.SignatureExpired:
        raise StateRefused(
            "This pre-save took too long to finish, so it was stopped to keep your account safe."
        ) from None
    except signing.BadSignature:
        raise StateRefused("The answer from the streaming service could not be verified.") from None
    if not isinstance(payload, dict) or payload.get("p") != platform:
        raise StateRefused("The answer from the streaming service could not be verified.")
    pending = dict(request.session.get(PENDING_KEY, {}))
    attempt = pending.pop(str(payload.get("n")), None)
    # Consumed now, whatever happens next: the same state never works twice.
    request.session[PENDING_KEY] = pending
    if not isinstance(attempt, dict):
        raise StateRefused(
            "This pre-save was already completed, or it was started in another browser. "
            "Pre-saves must finish in the browser where they began."
        )
    if attempt.get("platform") != platform or attempt.get("release") != payload.get("r"):
        raise StateRefused("The answer from the streaming service could not be verified.")
    release = _release_by_id(attempt["release"])
    if release is None:
        raise StateRefused("This release is no longer public.")
    return attempt, release


@require_GET
def oauth_callback(request: HttpRequest, platform: str) -> HttpResponseBase:
    """The fixed redirect URI: verify the state, exchange the code, store the pre-save."""
    if platform not in OAUTH_PLATFORMS:
        return _not_found(request, "This is not a streaming service we connect to this way.")
    try:
        attempt, release = _read_state(request, platform)
    except StateRefused as refused:
        return problem(request, "This pre-save could not be completed", str(refused), status=400)
    options = Options.from_query(attempt.get("options", {}))
    retry = _for_fan_path(attempt, "retry") or start_url(release, platform, options)
    label = BY_KEY[platform].name
    error = str(request.GET.get("error", "") or request.GET.get("error_reason", ""))
    if error in DENIED_ERRORS:
        return problem(
            request,
            "You cancelled — nothing was saved",
            f"You did not allow the pre-save on {label}, so nothing was stored about you. "
            "You can try again whenever you like.",
            status=200,
            release=release,
            retry=retry,
        )
    code = str(request.GET.get("code", ""))
    if error or not code or len(code) > 2000:
        return _incomplete(request, release, retry, label)
    app_id = attempt.get("app")
    app = (
        PlatformApp.objects.filter(pk=app_id, platform=platform).first()
        if isinstance(app_id, int)
        else None
    )
    if app is None or app.workspace_id != release.artist.workspace_id:
        return pages.private(HttpResponseRedirect(notify_url(release, platform, "unavailable")))
    return _complete(request, release, app, attempt, options, code, retry)


def _incomplete(request: HttpRequest, release: Release, retry: str, label: str) -> HttpResponseBase:
    return problem(
        request,
        "The pre-save did not complete",
        f"{label} did not confirm the authorization. Nothing was saved — please try again.",
        status=400,
        release=release,
        retry=retry,
    )


def _complete(
    request: HttpRequest,
    release: Release,
    app: PlatformApp,
    attempt: dict[str, Any],
    options: Options,
    code: str,
    retry: str,
) -> HttpResponseBase:
    platform = app.platform
    label = BY_KEY[platform].name
    verifier = str(attempt.get("verifier", ""))
    adapter = get_platform(platform, app.credentials())
    try:
        tokens = adapter.exchange_code(code, Pkce(verifier, create_s256_code_challenge(verifier)))
    except (errors.TransientError, errors.RateLimited):
        return _trouble(request, release, retry, label)
    except errors.PermissionDenied:
        # The platform refused the app itself (credentials changed): nothing a fan can fix.
        log.warning("%s refused the credentials of platform app %s", label, app.pk)
        return pages.private(HttpResponseRedirect(notify_url(release, platform, "unavailable")))
    except errors.PlatformError:
        return _incomplete(request, release, retry, label)
    info = registry.info(platform)
    if info.grants_unnamed and not tokens.scopes:
        # The token answer names no permissions (Deezer's); the consent is all or nothing,
        # so the fan granted exactly what was asked for.
        tokens.scopes = frozenset(info.scopes_for(options.capabilities()))
    try:
        profile = adapter.profile(tokens)
    except errors.PermissionDenied:
        # A development-mode app refused the account (not on its allow-list, or over its
        # cap): offer the email reminder.
        reason = "development" if app.serves_allow_list_only else "cap"
        return pages.private(HttpResponseRedirect(notify_url(release, platform, reason)))
    except (errors.TransientError, errors.RateLimited):
        return _trouble(request, release, retry, label)
    except errors.PlatformError:
        return _incomplete(request, release, retry, label)
    workspace = release.artist.workspace
    then = _for_fan_path(attempt, "then")
    if then:
        given = Fan.objects.filter(pk=attempt["for_fan"].get("fan"), workspace=workspace).first()
        identity.upsert_fan_for_connection(workspace, app, profile, tokens, fan=given)
        return pages.private(HttpResponseRedirect(then))
    if attempt.get("after"):
        return _store_optin(request, release, app, profile, tokens, options)
    attribution = attribution_from_attempt(attempt)
    fan, proven = store_presave(request, release, app, profile, tokens, attribution, options)
    remember_fan(request, fan, proven=proven)
    return pages.private(HttpResponseRedirect(thanks_url(release)))


def _store_optin(
    request: HttpRequest,
    release: Release,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    options: Options,
) -> HttpResponseBase:
    """After release: the fan, the connection and the ticked consents (no pre-save)."""
    own, own_proven = session_fan(request, release.artist.workspace_id)
    given = own if own_proven else None
    recorded = presaves.record_platform_optin(
        release.artist,
        app,
        profile,
        tokens,
        page=page_path(release),
        consent_kinds=[k for k in options.consent_kinds() if k != ConsentKind.VERIFY],
        fan=given,
    )
    proven = (
        recorded.fan_created
        or recorded.known_by_platform_user
        or (given is not None and recorded.fan.pk == given.pk)
    )
    remember_fan(request, recorded.fan, proven=proven)
    artist = release.artist.name
    follow = f", and we follow {artist} for you then" if options.follow else ""
    return problem(
        request,
        "Thank you — you are connected",
        f"Each new release of {artist} lands in your library the day it is out{follow}.",
        status=200,
        release=release,
    )


def _for_fan_path(attempt: dict[str, Any], name: str) -> str:
    """A local path kept by ``start_for_fan`` ("then" or "retry"); "" for a pre-save."""
    for_fan = attempt.get("for_fan")
    path = str(for_fan.get(name, "")) if isinstance(for_fan, dict) else ""
    # Only a path on this site: never an open redirect, even from a tampered session.
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else ""


def _trouble(request: HttpRequest, release: Release, retry: str, label: str) -> HttpResponseBase:
    return problem(
        request,
        f"{label} is having trouble",
        f"{label} did not answer properly just now. Nothing was saved — try again in a moment.",
        status=503,
        release=release,
        retry=retry,
    )


def store_presave(
    request: HttpRequest,
    release: Release,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    attribution: presaves.Attribution,
    options: Options,
) -> tuple[Fan, bool]:
    """Fan, connection, pre-save and upfront consents (one service, one transaction), and
    whether this browser has proven to be that fan."""
    own, own_proven = session_fan(request, release.artist.workspace_id)
    given = own if own_proven else None
    recorded = presaves.record_platform_presave(
        release,
        app,
        profile,
        tokens,
        page=page_path(release),
        fan=given,
        attribution=attribution,
        consent_kinds=options.consent_kinds(),
    )
    # A fan an email from the platform matched is not proven to be this browser's (the
    # portal link goes by email): only a new fan, the platform user's own or the session's.
    proven = (
        recorded.fan_created
        or recorded.known_by_platform_user
        or (given is not None and recorded.fan.pk == given.pk)
    )
    return recorded.fan, proven


ATTRIBUTION_FIELDS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "referrer_host",
    "landing_page",
    "country",
    "visitor_id",
)


def attribution_from_attempt(attempt: dict[str, Any]) -> presaves.Attribution:
    """The attribution kept in a pending pre-save attempt (see ``attribution_for``)."""
    raw = attempt.get("attribution") or {}
    return presaves.Attribution(**{k: str(raw.get(k, "")) for k in ATTRIBUTION_FIELDS})
