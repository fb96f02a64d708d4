"""``/api/v1/``: the NinjaAPI, its bearer-token auth with the per-token rate limit, and
problem-details answers for every error. Resources are in ``routes_*.py``.

Every route resolves objects inside the token's workspace only: another workspace's ids
answer 404 like ids that do not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fanloop.api import (
    routes_broadcasts,
    routes_catalog,
    routes_fans,
    routes_flows,
    routes_insights,
    routes_segments,
    routes_webhooks,
)
from fanloop.api.auth import TokenAuth
from fanloop.api.problems import Problem

DESCRIPTION = """\
fanloop's REST API. Authenticate with a workspace's API token:
`Authorization: Bearer fl_…` (owners create tokens under Settings → API tokens).

* Errors are RFC 9457 problem documents (`application/problem+json`).
* Lists are paged by cursor: follow `next` until it is null.
* Every POST honours `Idempotency-Key`: a retry with the same key gets the first answer
  (header `Idempotent-Replayed: true`); the same key with another body is refused (422).
* Each token is rate limited; over the limit the answer is 429 with `Retry-After`.
"""


api = NinjaAPI(
    title="fanloop API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url=None,  # the docs page is served by views.docs, without a CDN
)


def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return exc.response()


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return Problem(404, "No such object in this token's workspace.").response()


def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return Problem(
        401,
        "Send a token: Authorization: Bearer fl_…",
        kind="missing-token",
        headers={"WWW-Authenticate": "Bearer"},
    ).response()


def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return Problem(422, "The request does not match the schema.", errors=errors).response()


def _service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors: Any
    if hasattr(exc, "error_dict"):
        errors = {field: messages for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": exc.messages}
    return Problem(422, "The values were refused.", kind="validation", errors=errors).response()


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return Problem(exc.status_code, str(exc)).response()


HANDLERS: list[tuple[type[Exception], Any]] = [
    (Problem, _problem),
    (Http404, _not_found),
    (AuthenticationError, _unauthenticated),
    (NinjaValidationError, _invalid),
    (DjangoValidationError, _service_refused),
    (HttpError, _http_error),
]
for exception, handler in HANDLERS:
    api.add_exception_handler(exception, handler)


for routes in (
    routes_catalog,
    routes_fans,
    routes_flows,
    routes_segments,
    routes_broadcasts,
    routes_insights,
    routes_webhooks,
):
    api.add_router("", routes.router)
