"""After a pre-save: the thank-you page with its opt-ins, and the release's calendar event.

The page is per fan (never cached); each opt-in is its own explicit, unticked POST form
whose label is the consent wording recorded, so what was shown is exactly what is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from fanloop.analytics.ingest import request_country
from fanloop.campaigns import pages
from fanloop.campaigns.connect import (
    Options,
    problem,
    session_fan,
    start_url,
    thanks_url,
)
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import BY_KEY, page_path
from fanloop.fans import consent_log, consents, optin, rights
from fanloop.fans.models import ConnectionStatus, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.platforms.base import Capability
from fanloop.platforms.registry import allows, keys_with

HTML = "text/html; charset=utf-8"
# Status lines after an opt-in; the query only picks one of these fixed sentences.
DONE = {
    "follow": "Thanks — we'll follow {artist} for you.",
    "forever": "Thanks — {artist}'s future releases will be saved to your library.",
    "verify": "Thanks — {artist} will check 3 times this month, read access only.",
    "email": "Almost done — check your inbox and confirm your email address.",
    "email-confirmed": "Thanks — you'll get emails from {artist}.",
    "portal": "We've emailed you a link to manage your data.",
}
# What the follow opt-in's status line says when the follow cannot happen yet.
FOLLOW_NEEDS_RECONNECT = "One more step: reconnect below to allow following {artist}."
FOLLOW_NOT_POSSIBLE = (
    "Noted — but none of your connected accounts lets us follow {artist} for you, "
    "so nothing is followed for now."
)
OPT_INS = {
    "follow": ConsentKind.FOLLOW,
    "forever": ConsentKind.FOREVER_SAVE,
    "verify": ConsentKind.VERIFY,
}


@dataclass(frozen=True)
class SavedOn:
    platform: str
    label: str
    email_only: bool


def _release(artist_slug: str, release_slug: str) -> Release | None:
    release = pages.find_release(artist_slug, release_slug)
    return release if release is not None and release.published else None


def _fan_and_presaves(
    request: HttpRequest, release: Release
) -> tuple[Fan | None, bool, list[PreSave]]:
    fan, proven = session_fan(request, release.artist.workspace_id)
    if fan is None:
        return None, False, []
    presaves = list(PreSave.objects.filter(fan=fan, release=release).order_by("created", "pk"))
    return fan, proven, presaves


def _date_text(release: Release, market: str) -> str:
    instant = release.instant_for_market(market or None)
    day = instant.date()  # the local date where the release arrives for this fan
    return f"{day.day} {day:%B %Y}"


def _share_links(release: Release) -> dict[str, str]:
    url = release.public_url
    text = f"Pre-save {release.title} by {release.artist.name}"
    return {
        "url": url,
        "x": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url}),
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        "whatsapp": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def thanks(request: HttpRequest, artist_slug: str, release_slug: str) -> HttpResponseBase:
    """Only for the browser that pre-saved this release; anyone else goes to the page."""
    release = _release(artist_slug, release_slug)
    if release is None:
        return problem(request, "This page is not here", "This release is not public.", status=404)
    fan, proven, presaves = _fan_and_presaves(request, release)
    if fan is None or not presaves:
        return pages.private(HttpResponseRedirect(page_path(release)))
    if request.method == "POST":
        return _opt_in(request, release, fan, proven, presaves)
    done = str(request.GET.get("done", ""))
    return _render(request, release, fan, proven, presaves, done=done)


def _opt_in(
    request: HttpRequest, release: Release, fan: Fan, proven: bool, presaves: list[PreSave]
) -> HttpResponseBase:
    action = str(request.POST.get("action", ""))
    here = thanks_url(release)

    def refused(error: str, error_for: str = "", email: str = "") -> HttpResponseBase:
        return _render(
            request,
            release,
            fan,
            proven,
            presaves,
            error=error,
            error_for=error_for,
            email=email,
            status=400,
        )

    if action == "portal":
        if proven or not fan.email:
            return pages.private(HttpResponseRedirect(here))
        rights.send_portal_link(fan)
        return _done(release, "portal")
    if action not in (*OPT_INS, "email"):
        return refused("Unknown choice.")
    if request.POST.get("agree") != "yes":
        return refused("Tick the box to agree, then press the button again.", error_for=action)
    if action == "email":
        try:
            optin.subscribe_email(
                fan.workspace,
                str(request.POST.get("email", ""))[:1000],
                release=release,
                artist=release.artist,
                page=here,
                fan=fan,
                notify_me=False,
            )
        except ValidationError as invalid:
            message = " ".join(invalid.messages) or "Enter a valid email address."
            return refused(
                message, error_for="email", email=str(request.POST.get("email", ""))[:254]
            )
        return _done(release, "email" if settings.EMAIL_DOUBLE_OPT_IN else "email-confirmed")
    consent_log.record_consent(fan, OPT_INS[action], True, page=here, artist=release.artist)
    if action == "verify":
        # Progressive: the read scope is asked for only now, on a second consent screen,
        # and only where the fan's sign-in did not include it.
        second = _read_scope_reconnect(release, fan)
        if second:
            return pages.private(HttpResponseRedirect(second))
    return _done(release, action)


def _read_scope_reconnect(release: Release, fan: Fan) -> str:
    """The sign-in that adds library reads to the fan's connection, keeping the follow
    the fan allowed; empty when every connection can read already (or has no sign-in)."""
    from fanloop.flows.grants import has_capability

    state = consent_log.current_consents(fan, artist=release.artist)
    for connection in PlatformConnection.objects.filter(fan=fan).order_by("platform"):
        if connection.platform in keys_with(Capability.FOLLOW) and not has_capability(
            connection, Capability.VERIFY
        ):
            options = Options(
                follow=consent_log.consent_is_active(state.get(ConsentKind.FOLLOW)),
                verify=True,
            )
            return start_url(release, connection.platform, options)
    return ""


def _done(release: Release, what: str) -> HttpResponseBase:
    # Post/redirect/get: a reload does not submit the choice twice.
    response = HttpResponseRedirect(f"{thanks_url(release)}?done={what}")
    response.status_code = 303
    return pages.private(response)


def _render(
    request: HttpRequest,
    release: Release,
    fan: Fan,
    proven: bool,
    presaves: list[PreSave],
    *,
    done: str = "",
    error: str = "",
    error_for: str = "",
    status: int = 200,
    email: str = "",
) -> HttpResponseBase:
    artist = release.artist
    market = fan.country or request_country(request)
    saved = [
        SavedOn(
            p.platform,
            BY_KEY[p.platform].name if p.platform in BY_KEY else "email",
            p.platform == PreSave.EMAIL_ONLY,
        )
        for p in presaves
    ]
    state = consent_log.current_consents(fan, artist=artist)
    connections = {c.platform: c for c in PlatformConnection.objects.filter(fan=fan)}
    live = release.is_released(market or None)
    follow_on = consent_log.consent_is_active(state.get(ConsentKind.FOLLOW))
    # A follow consent given after a save-only authorization needs the follow scope too.
    reconnect = [
        (BY_KEY[name].name, start_url(release, name, Options(follow=True)))
        for name, connection in sorted(connections.items())
        if follow_on
        and not live
        and name in keys_with(Capability.FOLLOW)
        and not allows(name, Capability.FOLLOW, connection.scope_set)
    ]
    # Where fanloop can follow for the fan now: a connection holding the follow scope.
    follow_ready = [
        BY_KEY[name].name
        for name, connection in sorted(connections.items())
        if allows(name, Capability.FOLLOW, connection.scope_set)
        and connection.status == ConnectionStatus.ACTIVE
    ]
    status_line = DONE.get(done, "")
    if done == "follow" and not follow_ready:
        status_line = FOLLOW_NEEDS_RECONNECT if reconnect else FOLLOW_NOT_POSSIBLE
    follow_set_up = follow_on and not live and bool(follow_ready) and done != "follow"
    email_state = state.get(ConsentKind.EMAIL)
    offers = {
        "follow": not follow_on,
        "forever": not consent_log.consent_is_active(state.get(ConsentKind.FOREVER_SAVE)),
        "email": not (email_state is not None and email_state.granted),
        "verify": not consent_log.consent_is_active(state.get(ConsentKind.VERIFY)),
    }
    html = render_to_string(
        "campaigns/thanks.html",
        {
            "release": release,
            "artist": artist,
            "saved": saved,
            "date_text": _date_text(release, market),
            "live": live,
            "share": _share_links(release),
            "calendar": _calendar_path(release, market),
            "wording": {
                kind: consents.render(kind, artist.name)[1]
                for kind in (
                    ConsentKind.FOLLOW,
                    ConsentKind.FOREVER_SAVE,
                    ConsentKind.EMAIL,
                    ConsentKind.VERIFY,
                )
            },
            "offers": offers,
            "email_pending": bool(
                email_state and email_state.granted and not email_state.confirmed_at
            ),
            "reconnect": reconnect,
            "follow_set_up": " and ".join(follow_ready) if follow_set_up else "",
            "portal_url": rights.portal_url(fan) if proven else "",
            "can_email_portal": not proven and bool(fan.email),
            "status_line": status_line.replace("{artist}", artist.name),
            "error": error,
            "error_for": error_for,
            "email": email,
            "page_path": page_path(release),
            "css": pages.inline_assets().css,
        },
        request=request,
    )
    response = HttpResponse(html, HTML, status=status)
    response["Content-Security-Policy"] = pages.page_csp()
    return pages.private(response)


def _calendar_path(release: Release, market: str) -> str:
    path = f"{page_path(release)}/calendar.ics"
    return f"{path}?{urlencode({'market': market})}" if market else path


# --- calendar ---------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines are escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def ics_fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space,
    never splitting a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_event(release: Release, market: str, now: dt.datetime | None = None) -> str:
    """A one-event iCalendar file for the release's arrival in ``market`` (else worldwide)."""
    start = release.instant_for_market(market) if market else release.first_instant()
    host = urlsplit(settings.SITE_URL).hostname or "fanloop"
    artist = release.artist
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{ics_escape(settings.SITE_NAME)}//pre-save//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:release-{release.pk}-{market or 'first'}@{host}",
        f"DTSTAMP:{_stamp(now or timezone.now())}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(start + dt.timedelta(minutes=30))}",
        f"SUMMARY:{ics_escape(f'{release.title} by {artist.name} is out')}",
        f"DESCRIPTION:{ics_escape(f'Listen to {release.title} by {artist.name}: ')}"
        f"{ics_escape(release.public_url)}",
        f"URL:{release.public_url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(f"{ics_fold(line)}\r\n" for line in lines)


@require_safe
def calendar(request: HttpRequest, artist_slug: str, release_slug: str) -> HttpResponseBase:
    """Public: the same file for everyone in a market, so it needs no session."""
    release = _release(artist_slug, release_slug)
    if release is None:
        return problem(request, "This page is not here", "This release is not public.", status=404)
    raw = str(request.GET.get("market", "") or request_country(request)).upper()
    market = raw if len(raw) == 2 and raw.isascii() and raw.isalpha() else ""
    response = HttpResponse(calendar_event(release, market), "text/calendar; charset=utf-8")
    filename = quote(f"{release.artist.slug}-{release.slug}.ics")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
