"""RFC 9457 problem details: every error of the API is ``application/problem+json``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

CONTENT_TYPE = "application/problem+json"
# Problem types are documented on the API's docs page, under this address.
TYPE_BASE = "/api/v1/docs#problem-"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
}


class Problem(Exception):
    """Raised anywhere in an API view: answered as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str = "",
        errors: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind,
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        response = HttpResponse(
            json.dumps(body, default=str), status=self.status, content_type=CONTENT_TYPE
        )
        for name, value in self.headers.items():
            response[name] = value
        return response
