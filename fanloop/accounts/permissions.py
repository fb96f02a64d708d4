"""The one way dashboard views resolve a workspace and check the member's role.

Outsiders get 404 (a workspace's existence is not disclosed); members whose
role is too low get 403. The view receives the member's ``Membership`` (its
``workspace``, ``role`` and ``can_edit``) as its second argument.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from fanloop.accounts.models import Membership, Role

P = ParamSpec("P")
MembershipView = Callable[Concatenate[HttpRequest, Membership, P], HttpResponseBase]
# The request attribute through which dashboard templates see the member (the context
# processor reads it back with ``current_membership``); views get it as an argument.
_ATTR = "fanloop_membership"


def get_membership(request: HttpRequest, workspace_slug: str) -> Membership:
    if not request.user.is_authenticated:
        raise Http404("No such workspace.")
    membership = (
        Membership.objects.select_related("workspace")
        .filter(workspace__slug=workspace_slug, user=request.user)
        .first()
    )
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership ``workspace_view`` resolved for this request, if any."""
    membership = getattr(request, _ATTR, None)
    return membership if isinstance(membership, Membership) else None


def workspace_view(
    min_role: str = Role.VIEWER,
) -> Callable[[MembershipView[P]], Callable[..., HttpResponseBase]]:
    """Decorate a view taking ``(request, membership, ...)``; URL kwarg ``ws`` is the slug."""

    def decorator(view: MembershipView[P]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, ws: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = get_membership(request, ws)
            if not membership.can(min_role):
                raise PermissionDenied("Your role in this workspace does not allow this.")
            setattr(request, _ATTR, membership)
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorator
