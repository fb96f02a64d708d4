"""Bearer-token authentication with the per-token rate limit, and scope checks."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from fanloop.accounts import throttle
from fanloop.api import tokens
from fanloop.api.models import ApiToken
from fanloop.api.problems import Problem

# Requests one token may make per throttle window (LOGIN_COOLOFF_MINUTES, 15 by default).
REQUESTS_PER_WINDOW = 3000
THROTTLE_SCOPE = "api-token"


class TokenAuth(HttpBearer):
    openapi_description = "A workspace API token (fl_…)."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = tokens.find_active(token)
        if found is None:
            raise Problem(
                401,
                "The token is unknown, revoked or expired.",
                kind="invalid-token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        key = str(found.pk)
        if throttle.over(THROTTLE_SCOPE, key, REQUESTS_PER_WINDOW):
            wait = throttle.retry_after(THROTTLE_SCOPE, key)
            raise Problem(
                429,
                f"This token made {REQUESTS_PER_WINDOW} requests in "
                f"{throttle.window_minutes()} minutes; retry in {wait} s.",
                kind="rate-limited",
                headers={"Retry-After": str(wait)},
            )
        throttle.hit(THROTTLE_SCOPE, key)
        return found


def require(request: HttpRequest, family: str, level: str) -> ApiToken:
    """The request's token if its scopes allow ``level`` on ``family``; else 403."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if not tokens.allows(token, family, level):
        raise Problem(
            403,
            f"This token has no {tokens.scope(family, level)} scope.",
            kind="insufficient-scope",
        )
    return token
