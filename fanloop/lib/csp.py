"""Content-Security-Policy for the dashboard: scripts only from fanloop or with this
response's nonce (``request.csp_nonce``), no plugins, no framing, no foreign base URL.

Public fan pages (release pages, the fan portal, flow actions) are left as they are: they
are served from a cache and their templates are not under this policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

# The dashboard, the account pages and the workspace chooser.
DASHBOARD_PREFIXES = ("/w/", "/accounts/", "/dashboard/")


def policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # Style attributes carry computed widths (progress bars, charts).
            "style-src 'self' 'unsafe-inline'",
            # Artwork may come from the platforms; email previews show the emails' images.
            "img-src * data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(16))
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if (
            request.path.startswith(DASHBOARD_PREFIXES)
            and "Content-Security-Policy" not in response
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response["Content-Security-Policy"] = policy(str(nonce))
        return response
