"""Who sent a request: the client address, trusted only as far as our own reverse proxy.

Read by the throttles of the account pages and by the analytics and campaign pages.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind one reverse proxy the address that proxy saw.

    The last X-Forwarded-For entry is the one our proxy appended; entries before
    it are whatever the client claimed, so they are never trusted.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded).rsplit(",", 1)[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
