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
from django.views.decorators.http import require_POST

from fanloop.accounts.models import Membership, Role
from fanloop.accounts.permissions import workspace_view
from fanloop.api import tokens
from fanloop.api.api import api
from fanloop.api.forms import TokenForm
from fanloop.api.models import ApiToken


@workspace_view(Role.OWNER)
def token_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = TokenForm(request.POST or None)
    created: tokens.NewToken | None = None
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
            form = TokenForm()
    status = 400 if request.method == "POST" and created is None else 200
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(workspace=workspace),
        "families": tokens.FAMILIES,
    }
    response = render(request, "api/tokens.html", context, status=status)
    if created is not None:
        response["Cache-Control"] = "no-store"  # the page shows the secret, once
    return response


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


def docs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "api/docs.html",
        {"operations": _operations(), "families": tokens.FAMILIES, "description": api.description},
    )
