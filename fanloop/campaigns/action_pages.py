"""One-click action pages of flow emails: "save to my library", "save this track" and
"follow the artist".

``GET /a/<token>/`` only shows a confirmation (mail scanners follow links); the POST acts.
With a stored connection holding the scope, the save or follow goes through the platform
at once; otherwise the fan is sent through OAuth for exactly that capability (plus what the
connection already had, so nothing granted before is lost) and the action completes when
the browser comes back to ``/a/<token>/done``, which acts only for the browser whose POST
started it. A follow always needs the fan's explicit tick, recorded with its wording.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.campaigns import connect, pages
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import BY_KEY, listen_links, page_path
from fanloop.fans import consent_log, consents
from fanloop.fans.models import ConnectionStatus, ConsentKind, Fan, PlatformConnection
from fanloop.fans.oauth_tokens import mark_needs_reconnect
from fanloop.flows.grants import (
    album_ref,
    artist_ref,
    call_with_tokens,
    granted_capabilities,
    has_capability,
    track_ref,
)
from fanloop.lib.signing import InvalidLink
from fanloop.messaging.action_links import Action, read_action_token
from fanloop.platforms import errors, registry
from fanloop.platforms.base import Capability, ItemRef
from fanloop.platforms.services import active_app, app_has_room

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
PENDING_KEY = "fanloop_flow_actions"
PENDING_TTL_S = 1800  # an OAuth round trip longer than this starts over
CAPABILITY: dict[str, Capability] = {
    "save": Capability.SAVE,
    "save_track": Capability.SAVE,
    "follow": Capability.FOLLOW,
}
KIND_OF_ACTION = {
    "save": FanEventKind.SAVED,
    "save_track": FanEventKind.TRACK_SAVED,
    "follow": FanEventKind.FOLLOWED,
}
OAUTH_PLATFORMS = registry.oauth_keys()
# What a follow consent given here records as its page: the address holds the fan's token,
# and the consent log is shown on the dashboard.
ACTION_PAGE = "/a/ (one-click follow page)"


# --- the action itself (service) ------------------------------------------------------


class Outcome(StrEnum):
    DONE = "done"
    NEEDS_AUTH = "needs_auth"  # no connection, scope or consent: OAuth first
    UNAVAILABLE = "unavailable"  # the platform has no id for this release or artist
    TROUBLE = "trouble"  # the platform failed for now: try again later


def event_key(action: Action, release: Release, fan: Fan, track: int | None = None) -> str:
    if action == "save_track":
        return f"action:{action}:{release.pk}:{fan.pk}:{track}"
    return f"action:{action}:{release.pk}:{fan.pk}"


def _item(
    release: Release, platform: str, action: Action, track: int | None = None
) -> ItemRef | None:
    if action == "save_track":
        return track_ref(release, platform, track or 0)
    return album_ref(release, platform) if action == "save" else artist_ref(release, platform)


def follow_consented(fan: Fan, release: Release) -> bool:
    state = consent_log.current_consents(fan, artist=release.artist)
    return consent_log.consent_is_active(state.get(ConsentKind.FOLLOW))


def perform_action(
    fan: Fan,
    release: Release,
    action: Action,
    connection: PlatformConnection | None,
    track: int | None = None,
) -> Outcome:
    """Save the release (or one of its tracks) or follow its artist with the fan's stored
    connection, and record the SAVED / TRACK_SAVED / FOLLOWED fan event, the fan's own act
    (idempotent: one event per fan, release, action and track)."""
    capability = CAPABILITY[action]
    if connection is None or not has_capability(connection, capability):
        return Outcome.NEEDS_AUTH
    if action == "follow" and not follow_consented(fan, release):
        return Outcome.NEEDS_AUTH
    item = _item(release, connection.platform, action, track)
    if item is None:
        return Outcome.UNAVAILABLE
    try:
        call_with_tokens(connection, lambda adapter, tokens: adapter.save(tokens, [item]))
    except errors.AccessRevoked as exc:
        if connection.status != ConnectionStatus.NEEDS_RECONNECT:
            mark_needs_reconnect(connection, str(exc))
        return Outcome.NEEDS_AUTH
    except errors.PermissionDenied:
        return Outcome.NEEDS_AUTH  # the grant lacks the scope after all: ask again
    except errors.NotFound:
        return Outcome.UNAVAILABLE
    except errors.PlatformError as exc:
        log.info("action %s for fan %s failed: %s", action, fan.pk, exc)
        return Outcome.TROUBLE
    record_fan_event(
        fan,
        KIND_OF_ACTION[action],
        key=event_key(action, release, fan, track),
        actor=Actor.FAN,
        release=release,
        platform=connection.platform,
        data={"via": "action_page", "item": item.id, **({"track": track} if track else {})},
    )
    return Outcome.DONE


# --- pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    fan: Fan
    release: Release
    action: Action
    token: str
    track: int | None = None

    @property
    def track_title(self) -> str:
        if self.track is None:
            return ""
        found = self.release.tracks.filter(position=self.track).first()
        return found.title if found else f"Track {self.track}"


def _read(token: str) -> Target | None:
    try:
        fan_id, release_id, action, track = read_action_token(token)
    except InvalidLink:
        return None
    release = (
        Release.objects.select_related("artist", "artist__workspace")
        .filter(pk=release_id, published=True)
        .first()
    )
    fan = Fan.objects.filter(pk=fan_id).first()
    if release is None or fan is None or fan.workspace_id != release.artist.workspace_id:
        return None
    return Target(fan, release, action, token, track)


def _render(request: HttpRequest, name: str, context: dict[str, Any], status: int = 200) -> Any:
    html = render_to_string(
        f"flows/{name}.html",
        {"css": pages.inline_assets().css, **context},
        request=request,
    )
    response = HttpResponse(html, HTML, status=status)
    response["Content-Security-Policy"] = pages.page_csp()
    pages.private(response)
    # The address carries the fan's signed token: no other site may see it in a Referer,
    # and the form still posts with its real Origin (no-referrer would send "null").
    response["Referrer-Policy"] = "same-origin"
    return response


def _problem(
    request: HttpRequest, title: str, message: str, target: Target | None, status: int
) -> HttpResponseBase:
    return _render(
        request,
        "action_problem",
        {
            "title": title,
            "message": message,
            "release": target.release if target else None,
            "page_path": page_path(target.release) if target else None,
            "retry": _page(target) if target and status >= 500 else None,
        },
        status=status,
    )


def _page(target: Target) -> str:
    return reverse("campaigns:action", args=[target.token])


def _connections(target: Target) -> dict[str, PlatformConnection]:
    rows = PlatformConnection.objects.select_related("app").filter(fan=target.fan)
    return {c.platform: c for c in rows}


def platform_choices(target: Target) -> list[tuple[str, str]]:
    """(key, label) of the platforms this action can happen on for this fan: the fan's own
    connections first, then those it can connect to through OAuth. A fan with a connection
    is offered a follow only there: one on Apple Music only (no follow) is not sent to sign
    up elsewhere to follow; a fan with no connection at all may sign in to follow."""
    connected = _connections(target)
    workspace = target.release.artist.workspace
    sign_in = target.action != "follow" or not connected
    choices: list[tuple[str, str]] = []
    for key in registry.keys():
        if _item(target.release, key, target.action, target.track) is None:
            continue
        if key in connected:
            choices.append((key, BY_KEY[key].name))
        elif sign_in and key in OAUTH_PLATFORMS and active_app(workspace, key):
            choices.append((key, BY_KEY[key].name))
    choices.sort(key=lambda choice: choice[0] not in connected)
    return choices


def apple_music_note(target: Target, choices: list[tuple[str, str]]) -> str:
    """Why a platform the artist offers is not among the choices of a save when its sign-in
    runs in the browser on the artist's page, not from this page (Apple's MusicKit)."""
    if target.action == "follow":
        return ""
    chosen = {key for key, _ in choices}
    workspace = target.release.artist.workspace
    for key in registry.keys():
        if not registry.signs_in_on_page(key) or key in chosen:
            continue
        if _item(target.release, key, target.action, target.track) is None:
            continue
        if active_app(workspace, key) is None:
            continue
        label = registry.label(key)
        return (
            f"{label} is not offered here: it signs you in on the artist's page only. "
            f"Connect {label} there and this link can save to it too."
        )
    return ""


def _cannot_follow(target: Target) -> str:
    """What a fan with no connection that can follow is told."""
    name = target.release.artist.name
    unable = [
        key for key in _connections(target) if key not in registry.keys_with(Capability.FOLLOW)
    ]
    if unable:
        return (
            f"{registry.label(unable[0])} has no way to follow an artist, so {name} cannot be "
            "followed from your account. You can still listen from the artist's page."
        )
    return (
        f"{name} cannot be followed from this page right now. "
        "You can still listen from the artist's page."
    )


def _context(target: Target, choices: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    release = target.release
    done = target.fan.events.filter(
        key=event_key(target.action, release, target.fan, target.track)
    ).exists()
    return {
        "release": release,
        "artist": release.artist,
        "action": target.action,
        "track_title": target.track_title,
        "choices": choices,
        "done_before": done,
        "follow_wording": consents.render(ConsentKind.FOLLOW, release.artist.name)[1],
        "apple_music_note": apple_music_note(target, choices) if choices else "",
        "page_path": page_path(release),
        **extra,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def action_page(request: HttpRequest, token: str) -> HttpResponseBase:
    """Confirm (GET), then save or follow (POST)."""
    target = _read(token)
    if target is None:
        return _problem(
            request,
            "This link does not work",
            "It may have expired or been copied incompletely. Open the most recent email "
            "from the artist, or visit their page.",
            None,
            status=404,
        )
    release = target.release
    if not release.is_released(target.fan.country or None):
        when = date_format(release.instant_for_market(target.fan.country or None), "j F Y")
        return _problem(
            request,
            f"{release.title} is not out yet",
            f"It comes out on {when}. Come back to this link then.",
            target,
            status=200,
        )
    choices = platform_choices(target)
    if not choices and target.action == "follow":
        return _problem(request, "Nothing to follow from here", _cannot_follow(target), target, 200)
    if not choices:
        return _problem(
            request,
            "Not available here yet",
            " ".join(
                part
                for part in (
                    f"{release.title} cannot be saved from this page right now.",
                    apple_music_note(target, choices),
                    "You can still listen from the artist's page.",
                )
                if part
            ),
            target,
            status=200,
        )
    if request.method != "POST":
        return _render(request, "action", _context(target, choices))
    platform = str(request.POST.get("platform", ""))
    if platform not in dict(choices):
        platform = choices[0][0]
    if target.action == "follow" and request.POST.get("agree") != "yes":
        error = f"Tick the box to follow {release.artist.name}."
        return _render(request, "action", _context(target, choices, error=error), status=400)
    if target.action == "follow" and not follow_consented(target.fan, release):
        consent_log.record_consent(
            target.fan, ConsentKind.FOLLOW, True, page=ACTION_PAGE, artist=release.artist
        )
    return _act(request, target, platform)


def _act(request: HttpRequest, target: Target, platform: str) -> HttpResponseBase:
    connection = _connections(target).get(platform)
    outcome = perform_action(target.fan, target.release, target.action, connection, target.track)
    if outcome == Outcome.NEEDS_AUTH:
        return _start_oauth(request, target, platform, connection)
    return _result(request, target, outcome, platform)


def _result(
    request: HttpRequest, target: Target, outcome: Outcome, platform: str
) -> HttpResponseBase:
    label = BY_KEY[platform].name
    if outcome == Outcome.DONE:
        links = [(p.name, path) for p, path in listen_links(target.release)]
        return _render(
            request, "action_done", {**_context(target, []), "label": label, "listen": links}
        )
    if outcome == Outcome.UNAVAILABLE:
        return _problem(
            request,
            f"Not found on {label}",
            f"{label} does not list this yet. Try again later, or listen from the artist's page.",
            target,
            status=200,
        )
    return _problem(
        request,
        f"{label} is having trouble",
        f"{label} did not answer properly just now. Nothing changed — try again in a moment.",
        target,
        status=503,
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _start_oauth(
    request: HttpRequest, target: Target, platform: str, connection: PlatformConnection | None
) -> HttpResponseBase:
    label = BY_KEY[platform].name
    app = active_app(target.release.artist.workspace, platform)
    if platform not in OAUTH_PLATFORMS or app is None:
        return _problem(
            request,
            f"Reconnect {label} first",
            f"Your {label} connection needs to be renewed. Open the artist's page and connect "
            f"{label} again, then come back to this link.",
            target,
            status=200,
        )
    if connection is None and not app_has_room(app):
        return _problem(
            request,
            f"{label} is full for now",
            f"This artist's {label} app cannot take more listeners right now. "
            "Listen from the artist's page instead.",
            target,
            status=200,
        )
    pending = dict(request.session.get(PENDING_KEY, {}))
    now = time.time()
    pending = {k: v for k, v in pending.items() if now - v.get("at", 0) < PENDING_TTL_S}
    pending[_digest(target.token)] = {"platform": platform, "at": now}
    request.session[PENDING_KEY] = pending
    kept = granted_capabilities(connection) if connection is not None else frozenset()
    wanted = kept | {CAPABILITY[target.action]}
    return connect.start_for_fan(
        request,
        target.release,
        app,
        frozenset(wanted),
        fan=target.fan,
        then=reverse("campaigns:action_done", args=[target.token]),
        retry=_page(target),
    )


@require_GET
def action_done(request: HttpRequest, token: str) -> HttpResponseBase:
    """Back from OAuth: act if this browser confirmed the action, else show the page."""
    target = _read(token)
    if target is None:
        return action_page(request, token)
    pending = dict(request.session.get(PENDING_KEY, {}))
    started = pending.pop(_digest(token), None)
    request.session[PENDING_KEY] = pending
    if not isinstance(started, dict) or time.time() - started.get("at", 0) > PENDING_TTL_S:
        return HttpResponseRedirect(_page(target))
    platform = str(started.get("platform", ""))
    connection = _connections(target).get(platform)
    outcome = perform_action(target.fan, target.release, target.action, connection, target.track)
    if outcome == Outcome.NEEDS_AUTH:
        return _problem(
            request,
            "We could not get permission",
            f"{BY_KEY[platform].name} did not give the permission this needs, so nothing "
            "changed. Open the link again to retry.",
            target,
            status=200,
        )
    return _result(request, target, outcome, platform)
