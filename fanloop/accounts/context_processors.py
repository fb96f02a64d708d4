from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fanloop.accounts.permissions import current_membership


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Expose the member's current workspace and role to dashboard templates."""
    membership = current_membership(request)
    return {
        "membership": membership,
        "workspace": membership.workspace if membership else None,
    }
