"""The emulator's ASGI application: one router for every platform, faults, stats, lifespan.

Served by granian with one worker (state lives in this process); ``create_app`` is the
factory granian calls, reading EMULATOR_SEED, EMULATOR_SNAPSHOT and EMULATOR_SNAPSHOT_INTERVAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from .admin import Admin
from .apple.api import AppleApi
from .apple.auth import AppleAuth
from .deezer.api import DeezerApi
from .deezer.connect import DeezerConnect
from .errors import admin_error, apple_error, deezer_error, spotify_error
from .http import (
    HttpError,
    Receive,
    Request,
    Response,
    Router,
    Scope,
    Send,
)
from .snapshot import load_file, save_file
from .spotify.accounts import SpotifyAccounts
from .spotify.api import SpotifyApi
from .state import State
from .tidal.api import TidalApi, tidal_error
from .tidal.auth import TidalAuth

log = logging.getLogger("emulator")

FAULT_MESSAGES = {500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}
DEEZER_DOUBLED_PREFIX = "/deezer/api/deezer/api/"


def platform_error(platform: str, status: int, message: str) -> Response:
    """An error in the shape of the platform that owns the path."""
    if platform == "spotify":
        return spotify_error(status, message)
    if platform == "deezer":
        if status >= 500:  # infrastructure failures arrive as real HTTP statuses
            return deezer_error(700, message, status)
        return deezer_error(800, "no data")
    if platform == "apple":
        return apple_error(status, message)
    if platform == "tidal":
        return tidal_error(status, message)
    return admin_error(message, status)


def platform_of(path: str) -> str:
    if path.startswith("/spotify/"):
        return "spotify"
    if path.startswith("/deezer/"):
        return "deezer"
    if path.startswith("/apple/"):
        return "apple"
    if path.startswith("/tidal/"):
        return "tidal"
    return "admin"


class Emulator:
    def __init__(self, state: State | None = None, snapshot: Path | None = None) -> None:
        self.state = state or State()
        self.snapshot = snapshot
        self.snapshot_interval = float(os.environ.get("EMULATOR_SNAPSHOT_INTERVAL", "30"))
        self._snapshot_task: asyncio.Task[None] | None = None
        router = Router()
        for part in (
            SpotifyAccounts(self.state),
            SpotifyApi(self.state),
            DeezerConnect(self.state),
            DeezerApi(self.state),
            AppleAuth(self.state),
            AppleApi(self.state),
            TidalAuth(self.state),
            TidalApi(self.state),
            Admin(self.state, self.save_snapshot),
        ):
            part.routes(router)
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, receive, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path.startswith(DEEZER_DOUBLED_PREFIX):
            # deezer-python follows a page's absolute ``next`` URL by keeping its path and
            # joining it to base_url, which doubles our path prefix; real Deezer has none.
            path = path[11:]
        if path[-1] == "/" and len(path) > 1:
            path = path[:-1]  # spotipy calls "me/", "albums/…/tracks/": Spotify accepts both
        method: str = scope["method"]
        route, params, exists = self.router.match(method, path)
        if route is None:
            platform = platform_of(path)
            if exists:
                response = platform_error(platform, 405, "Method not allowed")
            elif platform == "spotify" and path.startswith("/spotify/v1"):
                response = spotify_error(404, "Service not found")
            else:
                response = platform_error(platform, 404, "Not found")
            name = f"{method} (unmatched {platform})"
        else:
            name = route.name
            body = b""
            if route.body and method != "GET":
                message = await receive()
                body = message.get("body", b"")
                while message.get("more_body"):
                    message = await receive()
                    body += message.get("body", b"")
            req = Request(scope, path, body)
            req.params = params
            response = await self._dispatch(route.handler, route.platform, route.api, req)
        self.state.stats.record(name, response.status)
        await send(
            {"type": "http.response.start", "status": response.status, "headers": response.headers}
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _dispatch(self, handler: Any, platform: str, api: bool, req: Request) -> Response:
        faults = self.state.faults
        if api and faults.enabled:
            decision = faults.decide(platform)
            if decision is not None:
                if decision.hang:
                    # Longer than any sane client timeout: the client gives up first.
                    await asyncio.sleep(faults.hang_s)
                    return platform_error(platform, 504, "Gateway timeout")
                if decision.delay_s:
                    await asyncio.sleep(decision.delay_s)
                if decision.status:
                    return platform_error(
                        platform, decision.status, FAULT_MESSAGES[decision.status]
                    )
        try:
            response: Response = await handler(req)
        except HttpError as error:  # a check refused the request: its platform-shaped answer
            return error.response
        except Exception:
            log.exception("emulator: handler failed for %s %s", req.method, req.path)
            return platform_error(platform, 500, "Internal server error")
        return response

    # -- lifespan and snapshot -------------------------------------------------------------
    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def startup(self) -> None:
        if self.snapshot is not None:
            if load_file(self.state, self.snapshot):
                log.info("emulator: state loaded from %s", self.snapshot)
            if self.snapshot_interval > 0:
                self._snapshot_task = asyncio.get_running_loop().create_task(self._autosave())

    def shutdown(self) -> None:
        if self._snapshot_task is not None:
            self._snapshot_task.cancel()
        self.save_snapshot()

    async def _autosave(self) -> None:
        while True:
            await asyncio.sleep(self.snapshot_interval)
            with contextlib.suppress(OSError):
                self.save_snapshot()

    def save_snapshot(self) -> Path | None:
        if self.snapshot is None:
            return None
        save_file(self.state, self.snapshot)
        return self.snapshot


def create_app() -> Emulator:
    """Granian's factory: configuration arrives through the environment."""
    state = State()
    seed = int(os.environ.get("EMULATOR_SEED", "0"))
    state.seed = seed
    state.faults.seed = seed
    state.faults.configure({})
    snapshot = os.environ.get("EMULATOR_SNAPSHOT")
    return Emulator(state, Path(snapshot) if snapshot else None)


__all__ = ["Emulator", "create_app"]
