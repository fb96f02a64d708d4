"""A secret shown once (a new API token, a webhook's signing secret).

The view that makes it keeps it in the session (``keep``) and redirects; the page it
redirects to takes it out on its GET (``take``), so it is shown once and a reload posts
nothing again, and that page is not stored by any cache (``render_page``). What is kept
belongs to one owner (a workspace, a subscription): another owner's page shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def keep(request: HttpRequest, key: str, owner: int, values: Mapping[str, Any]) -> None:
    """Keep ``values`` (the secret and what the page says about it) for ``owner``'s page."""
    request.session[key] = {**values, "owner": owner}


def take(request: HttpRequest, key: str, owner: int) -> dict[str, Any] | None:
    """What ``keep`` left for ``owner``, taken out of the session by a GET; None on a POST,
    when nothing was kept, or when it was kept for another owner (it is dropped then)."""
    if request.method != "GET":
        return None
    shown = request.session.pop(key, None)
    if not isinstance(shown, dict) or shown.get("owner") != owner:
        return None
    return shown


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    shown: object,
    status: int = 200,
) -> HttpResponse:
    """The page; with ``Cache-Control: no-store`` when it shows a secret (``shown``)."""
    response = render(request, template, context, status=status)
    if shown is not None:
        response["Cache-Control"] = "no-store"
    return response
