"""Dashboard pages for API tokens (owners only) and the API's docs page.

The docs page is rendered here from the OpenAPI description, with no script: the
dashboard's Content-Security-Policy allows no CDN, and a list of operations needs none.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fanloop.accounts.models import Membership, Role
from fanloop.accounts.permissions import workspace_view
from fanloop.api import tokens
from fanloop.api.api import api
from fanloop.api.forms import TokenForm
from fanloop.api.models import ApiToken
from fanloop.api.problems import Problem
from fanloop.lib import csp, shown_once

# The session key of a token just created, shown once (lib/shown_once.py).
NEW_TOKEN_KEY = "fanloop_api_new_token"


@workspace_view(Role.OWNER)
def token_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.create_token(
                workspace,
                name=form.cleaned_data["name"],
                scopes=form.scopes(),
                expires_at=form.expires_at(),
                created_by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            shown_once.keep(
                request,
                NEW_TOKEN_KEY,
                workspace.pk,
                {"name": created.token.name, "secret": created.secret},
            )
            return redirect("api:tokens", ws=workspace.slug)
    shown = shown_once.take(request, NEW_TOKEN_KEY, workspace.pk)
    context = {
        "form": form,
        "created": shown,
        "tokens": ApiToken.objects.filter(workspace=workspace),
        "families": tokens.FAMILIES,
    }
    status = 400 if request.method == "POST" else 200
    return shown_once.render_page(request, "api/tokens.html", context, shown=shown, status=status)


@workspace_view(Role.OWNER)
@require_POST
def token_revoke(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    token = get_object_or_404(ApiToken, pk=pk, workspace=workspace)
    tokens.revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api:tokens", ws=workspace.slug)


def _operations() -> list[dict[str, Any]]:
    schema = api.get_openapi_schema()
    rows = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [p["name"] for p in operation.get("parameters", [])],
                }
            )
    return rows


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "api/docs.html",
        {"operations": _operations(), "families": tokens.FAMILIES, "description": api.description},
    )
    # Outside the dashboard's address prefixes, under the dashboard's policy all the same.
    response["Content-Security-Policy"] = csp.policy(str(request.csp_nonce))  # type: ignore[attr-defined]
    return response


@csrf_exempt  # nothing is written: a POST with no route gets the same JSON 404 as a GET
def no_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under ``/api/``: a problem document, not the site's HTML 404."""
    return Problem(
        404, f"No API route at {request.path}. The routes: /api/v1/openapi.json.", kind="no-route"
    ).response()
