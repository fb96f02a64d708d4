"""Webhook test helpers: a real HTTP receiver (``http.server`` in a thread) that records
every call and answers with scripted statuses, and a subscription made through the
service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from fanloop.accounts.models import Workspace
from fanloop.webhooks import services


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    calls: list[Call] = field(default_factory=list)
    # Statuses to answer, in order; when empty, ``default``.
    script: list[int] = field(default_factory=list)
    default: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, secret: str, call: Call | None = None) -> Any:
        """The payload, verified with the reference ``standardwebhooks`` package."""
        call = call or self.calls[-1]
        return Webhook(secret).verify(call.body, call.headers)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with state.lock:
                state.calls.append(Call(self.path, dict(self.headers.items()), body))
                status = state.script.pop(0) if state.script else state.default
            answer = b'{"ok": true}' if status < 300 else b"receiver says no"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_calls(settings: Any) -> None:
    """Let the sender call the local receiver (off in production: the SSRF guard)."""
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def subscribe(workspace: Workspace, receiver: Receiver, local_calls: None) -> Any:
    def make(*types: str, url: str | None = None) -> services.NewSecret:
        return services.create_subscription(
            workspace, url=url or receiver.url, event_types=list(types), description="test"
        )

    return make
