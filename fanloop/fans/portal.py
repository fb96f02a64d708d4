"""The fan's self-service portal at ``/me/<signed token>/``: see connections, consents and
pre-saves; disconnect a platform, withdraw a consent, export as JSON, delete everything.

The signed token is the fan's only credential (no account, no session); responses are
never cached or indexed, and their referrer policy is ``same-origin``: the address (and its
token) reaches no other site, while the portal's own forms still post with their real
Origin, which Django's CSRF check needs (``no-referrer`` makes Chromium send ``null``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fanloop.catalog.models import Artist
from fanloop.fans import consent_log, identity, rights
from fanloop.fans.models import Consent, ConsentKind, Fan, PlatformConnection, PreSave
from fanloop.fans.presaves import presaves_of
from fanloop.lib.signing import InvalidLink
from fanloop.platforms import registry

# What consent rows written from here record as their page: the token must not be logged.
PORTAL_PAGE = "/me/ (self-service portal)"
NOTICES = {
    "disconnected": "The account is disconnected and its access tokens are deleted.",
    "revoked": "Your consent is withdrawn.",
    "nothing": "There was nothing to withdraw.",
}

PortalView = Callable[..., HttpResponseBase]


def _settings(platform: str) -> tuple[str, str, str]:
    """(name, settings page, words saying where) of where a fan removes fanloop's access at
    a platform (none offers a revoke API)."""
    try:
        entry = registry.info(platform)
    except registry.UnknownPlatform:
        return platform, "", ""
    return entry.label, entry.settings_url, entry.settings_hint


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _refused(request: HttpRequest, error: InvalidLink) -> HttpResponse:
    return render(
        request,
        "fans/portal_invalid.html",
        {"message": str(error), "expired": error.expired},
        status=403,
    )


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "fans/portal_gone.html", status=404)


def portal_view(view: PortalView) -> Callable[..., HttpResponseBase]:
    """Resolve the token to its fan: a bad or expired link is 403, a deleted fan is 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            fan = rights.fan_for_portal(token)
        except InvalidLink as error:
            return _private(_refused(request, error))
        except Fan.DoesNotExist:
            return _private(_gone(request))
        return _private(view(request, fan, token, *args, **kwargs))

    return wrapper


def artists_of(fan: Fan) -> str:
    """Whom the fan knows this page by: the artists of their pre-saves and consents ("Nova
    Lights", "A and B", "A, B and 2 more"), else the workspace's name."""
    names = [
        *PreSave.objects.filter(fan=fan).values_list("release__artist__name", flat=True),
        *Consent.objects.filter(fan=fan, artist__isnull=False).values_list(
            "artist__name", flat=True
        ),
    ]
    unique = list(dict.fromkeys(names))
    if not unique:
        return fan.workspace.name
    if len(unique) == 1:
        return unique[0]
    if len(unique) <= 3:
        return f"{', '.join(unique[:-1])} and {unique[-1]}"
    return f"{', '.join(unique[:2])} and {len(unique) - 2} more"


def _home(token: str, notice: str = "") -> HttpResponse:
    url = reverse("fans:portal", args=[token])
    return redirect(f"{url}?done={notice}" if notice else url)


@require_safe
@portal_view
def home(request: HttpRequest, fan: Fan, token: str) -> HttpResponse:
    connections = PlatformConnection.objects.filter(fan=fan).order_by("platform")
    presaves = presaves_of(fan)
    return render(
        request,
        "fans/portal.html",
        {
            "fan": fan,
            "sender": artists_of(fan),
            "token": token,
            "connections": [(c, *_settings(c.platform)) for c in connections],
            "states": consent_log.consent_states(fan),
            "presaves": presaves,
            "notice": NOTICES.get(request.GET.get("done", ""), ""),
        },
    )


@require_safe
@portal_view
def export(request: HttpRequest, fan: Fan, token: str) -> HttpResponse:
    body = json.dumps(rights.export_fan(fan), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data-{fan.workspace.slug}.json"'
    return response


@require_POST
@portal_view
def disconnect(request: HttpRequest, fan: Fan, token: str, pk: int) -> HttpResponse:
    connection = get_object_or_404(PlatformConnection, pk=pk, fan=fan)
    identity.disconnect(connection)
    return _home(token, "disconnected")


@require_POST
@portal_view
def revoke(request: HttpRequest, fan: Fan, token: str) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in ConsentKind.values:
        return render(
            request,
            "fans/portal_error.html",
            {"token": token, "message": "This consent does not exist. Nothing was changed."},
            status=400,
        )
    artist = None
    artist_pk = request.POST.get("artist", "")
    if artist_pk:
        if not artist_pk.isdigit() or len(artist_pk) > 12:
            return render(
                request,
                "fans/portal_error.html",
                {"token": token, "message": "This artist does not exist. Nothing was changed."},
                status=400,
            )
        artist = get_object_or_404(Artist, pk=int(artist_pk), workspace_id=fan.workspace_id)
    written = consent_log.revoke_consent(fan, kind, PORTAL_PAGE, artist=artist)
    return _home(token, "revoked" if written else "nothing")


def _delete_page(
    request: HttpRequest, fan: Fan, token: str, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "fans/portal_delete.html",
        {
            "fan": fan,
            "sender": artists_of(fan),
            "token": token,
            "error": error,
            "connection_count": fan.connections.count(),
            "presave_count": fan.presaves.count(),
            "consent_count": fan.consents.count(),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def delete(request: HttpRequest, fan: Fan, token: str) -> HttpResponse:
    """A GET shows what goes and asks to confirm; the POST (with ``confirm``) deletes."""
    if request.method != "POST":
        return _delete_page(request, fan, token)
    if request.POST.get("confirm") != "yes":
        error = "Tick the box to confirm that everything should be deleted."
        return _delete_page(request, fan, token, error, status=400)
    sender = artists_of(fan)
    rights.delete_fan(fan)
    platforms = [_settings(key) for key in registry.keys()]
    return render(
        request,
        "fans/portal_deleted.html",
        {"sender": sender, "platforms": [p for p in platforms if p[1] or p[2]]},
    )
