"""A check that refuses a request raises ``HttpError`` with the platform-shaped answer; the
router sends that answer as the handler's response (and counts it under the route)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from emulator.app import Emulator
from emulator.errors import spotify_error
from emulator.http import HttpError, Request, Response


def _call(app: Emulator, method: str, path: str) -> tuple[int, bytes]:
    """One request through the emulator's ASGI entry point, in this process."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
    # In a thread of its own: a browser test may have left an event loop running in this
    # one, and asyncio.run() refuses to nest.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result(timeout=30)
    return sent[0]["status"], sent[1]["body"]


def test_a_refusal_raised_by_a_check_is_the_response() -> None:
    app = Emulator()

    def check() -> None:
        raise HttpError(spotify_error(403, "Insufficient client scope"))

    async def handler(req: Request) -> Response:
        check()
        return Response(200, b"{}")

    app.router.add("GET", "/spotify/v1/refused", handler, "spotify", api=True)

    status, body = _call(app, "GET", "/spotify/v1/refused")

    assert status == 403
    assert orjson.loads(body) == {"error": {"status": 403, "message": "Insufficient client scope"}}
    assert app.state.stats.requests == {("GET /spotify/v1/refused", 403): 1}


def test_any_other_error_in_a_handler_is_a_platform_shaped_500() -> None:
    app = Emulator()

    async def handler(req: Request) -> Response:
        raise RuntimeError("a bug")

    app.router.add("GET", "/spotify/v1/broken", handler, "spotify", api=True)

    status, body = _call(app, "GET", "/spotify/v1/broken")

    assert status == 500
    assert orjson.loads(body) == {"error": {"status": 500, "message": "Internal server error"}}


def test_the_emulator_s_own_checks_refuse_through_it() -> None:
    """No token on a Spotify Web API call: the token check's refusal, in Spotify's shape."""
    status, body = _call(Emulator(), "GET", "/spotify/v1/me")

    assert status == 401
    assert orjson.loads(body) == {"error": {"status": 401, "message": "No token provided"}}
