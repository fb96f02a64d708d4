from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Expose the member's current workspace and role to dashboard templates."""
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "workspace": membership.workspace if membership else None,
    }
