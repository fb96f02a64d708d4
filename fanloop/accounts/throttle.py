"""Throttles for the account pages anyone can reach: login, password reset, invitations.

Login failures are counted by django-axes (settings ``AXES_*``), per account and per client
address, in the database so every web process shares them. Reset requests and bad
invitation links are counted here in ``ThrottleHit`` rows, under an HMAC of the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fanloop.accounts.models import ThrottleHit
from fanloop.lib.visitor import client_ip as _client_ip

# Reset emails one address receives per window: the earlier links still work meanwhile.
RESET_EMAILS_PER_ADDRESS = 3


def client_ip(request: HttpRequest) -> str:
    """The client address axes counts (REMOTE_ADDR, or the proxy's view behind one)."""
    return _client_ip(request)


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account axes counts: the email as stored, so "ALICE@" and "alice@" are one."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None and request.method == "POST":
        raw = request.POST.get("username")
    return str(raw).strip().lower() if raw is not None else None


def window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def _digest(scope: str, key: str) -> str:
    message = f"{scope}:{key.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def count(scope: str, key: str) -> int:
    since = timezone.now() - window()
    return ThrottleHit.objects.filter(scope=scope, key=_digest(scope, key), at__gt=since).count()


def over(scope: str, key: str, limit: int) -> bool:
    """True when ``key`` already used its ``limit`` hits in ``scope`` this window."""
    return count(scope, key) >= limit


def retry_after(scope: str, key: str) -> int:
    """Seconds until the oldest hit counted for ``key`` leaves the window (at least 1)."""
    since = timezone.now() - window()
    oldest = (
        ThrottleHit.objects.filter(scope=scope, key=_digest(scope, key), at__gt=since)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    if oldest is None:
        return 1
    return max(1, math.ceil((oldest + window() - timezone.now()).total_seconds()))


def hit(scope: str, key: str) -> None:
    """Count one attempt, and forget every attempt older than the window."""
    now = timezone.now()
    ThrottleHit.objects.filter(at__lte=now - window()).delete()
    ThrottleHit.objects.create(scope=scope, key=_digest(scope, key), at=now)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): 429 with a clear page."""
    context = {"failure_limit": settings.LOGIN_FAILURE_LIMIT, "minutes": window_minutes()}
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(window_minutes() * 60)
    return response


def window_minutes() -> int:
    return int(settings.LOGIN_COOLOFF_MINUTES)


def too_many(request: HttpRequest, what: str) -> HttpResponse:
    """The page shown instead of the form once an address is over a limit (HTTP 429)."""
    context = {"what": what, "minutes": settings.LOGIN_COOLOFF_MINUTES}
    response = render(request, "accounts/too_many.html", context, status=429)
    response["Retry-After"] = str(settings.LOGIN_COOLOFF_MINUTES * 60)
    return response
