"""A minimal ASGI request/response layer and router for the emulator's hot path.

Kept deliberately tiny (no framework): the emulator is the peer in every benchmark, so a
request costs one dict lookup for routing and lazy parsing of only what a handler reads.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode

import orjson

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

JSON_HEADERS: Headers = [(b"content-type", b"application/json; charset=utf-8")]
HTML_HEADERS: Headers = [(b"content-type", b"text/html; charset=utf-8")]
TEXT_HEADERS: Headers = [(b"content-type", b"text/plain; charset=utf-8")]
JS_HEADERS: Headers = [(b"content-type", b"text/javascript; charset=utf-8")]


class Request:
    """One HTTP request; query, headers, cookies and form are parsed on first use."""

    __slots__ = (
        "_cookies",
        "_headers",
        "_query",
        "body",
        "method",
        "params",
        "path",
        "query_string",
        "scope",
    )

    def __init__(self, scope: Scope, path: str, body: bytes = b"") -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path = path
        self.query_string: bytes = scope.get("query_string", b"")
        self.body = body
        self.params: dict[str, str] = {}
        self._query: dict[str, str] | None = None
        self._headers: dict[bytes, bytes] | None = None
        self._cookies: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        # Last value wins for repeated keys; no platform call we emulate repeats a key.
        if self._query is None:
            self._query = parse_query(self.query_string)
        return self._query

    def header(self, name: bytes) -> bytes | None:
        if self._headers is None:
            self._headers = dict(self.scope["headers"])
        return self._headers.get(name)

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            self._cookies = {}
            raw = self.header(b"cookie")
            if raw:
                for part in raw.decode("latin-1").split(";"):
                    key, _, value = part.strip().partition("=")
                    if key:
                        self._cookies[key] = value
        return self._cookies

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None

    @property
    def base_url(self) -> str:
        """Scheme and host the client used, for absolute hrefs in payloads."""
        host = self.header(b"host")
        if host:
            return f"{self.scope.get('scheme', 'http')}://{host.decode('latin-1')}"
        server = self.scope.get("server") or ("127.0.0.1", 80)
        return f"http://{server[0]}:{server[1]}"

    @property
    def client_host(self) -> str:
        client = self.scope.get("client")
        return str(client[0]) if client else "unknown"


def parse_query(raw: bytes) -> dict[str, str]:
    """``parse_qsl`` without its per-call overhead; unquotes only values that need it."""
    out: dict[str, str] = {}
    if not raw:
        return out
    for part in raw.decode("latin-1").split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        out[key] = value
    return out


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: Headers = field(default_factory=list)


class HttpError(Exception):
    """Raised by a handler, or a check it calls, to answer with ``response`` (an error in
    the platform's shape): the router sends it as the handler's response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(data: Any, status: int = 200, headers: Headers | None = None) -> Response:
    return Response(status, orjson.dumps(data), JSON_HEADERS + headers if headers else JSON_HEADERS)


def raw_json(body: bytes, status: int = 200) -> Response:
    return Response(status, body, JSON_HEADERS)


def html_response(body: str, status: int = 200, headers: Headers | None = None) -> Response:
    return Response(status, body.encode(), HTML_HEADERS + headers if headers else HTML_HEADERS)


def text_response(body: str, status: int = 200) -> Response:
    return Response(status, body.encode(), TEXT_HEADERS)


def redirect(location: str, status: int = 303, headers: Headers | None = None) -> Response:
    return Response(status, b"", [(b"location", location.encode()), *(headers or [])])


def add_query(url: str, params: dict[str, str]) -> str:
    """Append query parameters to a redirect URI that may already carry some."""
    sep = "&" if "?" in url else "?"
    return url + sep + urlencode(params, quote_via=quote)


def set_cookie(name: str, value: str, path: str) -> tuple[bytes, bytes]:
    return (b"set-cookie", f"{name}={value}; Path={path}; HttpOnly; SameSite=Lax".encode())


Handler = Callable[[Request], Awaitable[Response]]


@dataclass(slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    platform: str  # "spotify" | "deezer" | "apple" | "admin" | "static"
    api: bool  # a platform Web API call: subject to faults
    name: str = ""
    body: bool = True  # read the request body before calling the handler


_PARAM = re.compile(r"\{(\w+)\}")


class Router:
    """Exact paths in one dict; templated paths as a short list of regexes."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], Route] = {}
        self.exact_paths: set[str] = set()
        self.patterns: list[tuple[re.Pattern[str], Route]] = []

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        platform: str,
        api: bool = False,
        body: bool | None = None,
    ) -> None:
        # Web API routes ignore bodies unless they say otherwise: skipping the read is cheaper.
        reads = (not api) if body is None else body
        route = Route(method, template, handler, platform, api, f"{method} {template}", reads)
        if "{" not in template:
            self.exact[(method, template)] = route
            self.exact_paths.add(template)
            return
        regex = "^" + _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", template) + "$"
        self.patterns.append((re.compile(regex), route))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Return (route, path params, path_exists) — path_exists tells 405 from 404."""
        route = self.exact.get((method, path))
        if route is not None:
            return route, {}, True
        found = path in self.exact_paths
        for regex, candidate in self.patterns:
            m = regex.match(path)
            if m is not None:
                if candidate.method == method:
                    return candidate, m.groupdict(), True
                found = True
        return None, {}, found
