"""Error bodies in each platform's documented shape.

Spotify Web API: ``{"error":{"status","message"}}`` (the allow-list 403: plain text);
Spotify accounts: OAuth's ``{"error","error_description"}``; Deezer: HTTP 200 with
``{"error":{"type","message","code"}}``;
Apple: ``{"errors":[{"id","title","detail","status","code"}]}``.
"""

from __future__ import annotations

import uuid

import orjson

from .http import JSON_HEADERS, Headers, Response, json_response


def spotify_error(status: int, message: str, headers: Headers | None = None) -> Response:
    body = orjson.dumps({"error": {"status": status, "message": message}})
    return Response(status, body, JSON_HEADERS + headers if headers else JSON_HEADERS)


def spotify_text_error(status: int, message: str) -> Response:
    """A few Spotify refusals come as a bare text body, not JSON: the development-mode
    allow-list 403 (README: sources)."""
    return Response(status, message.encode(), [(b"content-type", b"text/plain; charset=utf-8")])


def spotify_library_400(message: str) -> Response:
    """400 on /v1/me/library*: the spec's schema there is a bare ErrorObject while Spotify
    (and spotipy) use the wrapped one; this body satisfies both."""
    body = {"error": {"status": 400, "message": message}, "status": 400, "message": message}
    return Response(400, orjson.dumps(body), JSON_HEADERS)


def accounts_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


# Deezer's documented error codes and the exception type each comes with.
DEEZER_TYPES = {
    4: "Exception",
    100: "Exception",
    200: "OAuthException",
    300: "OAuthException",
    500: "ParameterException",
    501: "MissingParameterException",
    600: "InvalidQueryException",
    700: "Exception",
    800: "DataException",
}


def deezer_error(code: int, message: str, status: int = 200) -> Response:
    body = {
        "error": {"type": DEEZER_TYPES.get(code, "Exception"), "message": message, "code": code}
    }
    return json_response(body, status)


APPLE_TITLES = {
    400: "Invalid Parameter Value",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Resource Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def apple_error(
    status: int, detail: str, code: str | None = None, headers: Headers | None = None
) -> Response:
    err = {
        "id": str(uuid.uuid4()).upper(),
        "title": APPLE_TITLES.get(status, "Error"),
        "detail": detail,
        "status": str(status),
        "code": code or f"{status}00",
    }
    return json_response({"errors": [err]}, status, headers)


def admin_error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)
