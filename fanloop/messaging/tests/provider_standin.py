"""A stand-in of Resend's email API on loopback, for the idempotency key tests: it keeps
keys the way Resend documents them (the same ``Idempotency-Key`` again: the first
answer, no second email) and records what it received."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Provider:
    """What the stand-in received: every request's key, and the emails it accepted."""

    def __init__(self) -> None:
        self.keys: list[str | None] = []
        self.emails: dict[str, dict[str, Any]] = {}  # by key (or a fresh id without one)
        self.answer: int = 200
        self.url = ""
        self.lock = threading.Lock()


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers.get("Idempotency-Key")
            with provider.lock:
                provider.keys.append(key)
                status = provider.answer
                if status == 200:
                    slot = key or f"no-key-{len(provider.keys)}"
                    provider.emails.setdefault(slot, body)  # the same key: no second email
                    reply = {"id": f"re-{list(provider.emails).index(slot)}"}
                else:
                    reply = {"name": "error", "message": f"status {status}"}
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve_provider(port: int = 0) -> Iterator[Provider]:
    """The stand-in on ``127.0.0.1:port`` (0: a free one); ``provider.url`` is its API URL."""
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
