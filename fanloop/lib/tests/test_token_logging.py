"""Request logs name token addresses without their tokens: Django's request and security
warnings, the development server's lines and granian's access log, as fanloop's logging
configuration writes them (read from the configured handlers' own output)."""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.urls import get_resolver

from fanloop.fans.models import Fan
from fanloop.fans.rights import portal_url
from fanloop.lib.logscrub import MASK, ScrubTokens, scrub
from fanloop.lib.tests.test_public_post_routes import _routes

# The shape of Django's signed values (payload:timestamp:signature), and a random one.
SIGNED = "eyJmIjoxLCJ3IjoxfQ:1xa4NP:8fHWpbzx4lQ9Vf-GWUG4p5MeyI6uOMxBpy8XVFNWYd4"
RANDOM = "Zk3_q9Xw-2LrT8vNc1YpHs4u"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handlers write, for the length of a test."""
    out = io.StringIO()
    handlers = list(  # one handler may serve several loggers: swap its stream once
        dict.fromkeys(
            handler
            for name in ("", "django", "django.server", "granian.access")
            for handler in logging.getLogger(name).handlers
            if type(handler) is logging.StreamHandler  # not pytest's capturing handlers
        )
    )
    previous = [handler.setStream(out) for handler in handlers]
    yield out
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def test_a_bad_request_to_a_token_url_logs_no_token(console: io.StringIO, workspace) -> None:
    fan = Fan.objects.create(workspace=workspace, email="fan@example.org")
    url = portal_url(fan)
    token = url.rstrip("/").rsplit("/", 1)[1]
    path = f"/me/{token}/"
    # A POST without its CSRF token: refused by django.security.csrf, logged by django.request.
    assert Client(enforce_csrf_checks=True).post(f"{path}delete/").status_code == 403
    # A GET where only POST is allowed, and forged tokens.
    assert Client().get(f"{path}revoke/").status_code == 405
    assert Client().get(f"/me/{SIGNED}/delete/").status_code == 403
    assert Client().get(f"/a/{SIGNED}/").status_code == 404
    logged = console.getvalue()
    assert "Forbidden (CSRF cookie not set.): /me/<token>/delete/" in logged, logged
    assert "Method Not Allowed (GET): /me/<token>/revoke/" in logged
    assert "Forbidden: /me/<token>/delete/" in logged
    assert "Not Found: /a/<token>/" in logged
    assert token not in logged and SIGNED not in logged


def test_every_handler_scrubs(console: io.StringIO) -> None:
    for name in ("", "django.server", "granian.access"):
        for handler in logging.getLogger(name).handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue
            assert any(isinstance(f, ScrubTokens) for f in handler.filters), (name, handler)
    assert logging.getLogger("django").handlers == []  # Django's own handlers would not


def test_the_development_servers_request_lines_log_no_token(console: io.StringIO) -> None:
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /u/{SIGNED} HTTP/1.1", "200", "1234"
    )
    logged = console.getvalue()
    assert '"GET /u/<token> HTTP/1.1" 200 1234' in logged and SIGNED not in logged


def test_every_token_route_is_scrubbed() -> None:
    """A new route with a token in its address must be taught to the filter."""
    checked = 0
    for name, route in _routes(get_resolver().url_patterns):
        if "<token>" not in route and ":token>" not in route:
            continue
        path = "/" + re.sub(
            r"<(?:(\w+):)?(\w+)>",
            lambda m: SIGNED if m.group(2) == "token" else ("7" if m.group(1) == "int" else "MQ"),
            route,
        )
        scrubbed = scrub(f"Bad Request: {path}")
        assert SIGNED not in scrubbed, f"{name} ({route}) keeps its token in logs: {scrubbed}"
        assert MASK in scrubbed
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"/connect/spotify/callback?code={RANDOM}&state={SIGNED}",
         "/connect/spotify/callback?code=<token>&state=<token>"),
        (f"/accounts/signup/?invite={RANDOM}", "/accounts/signup/?invite=<token>"),
        (f"/accounts/password/reset/MQ/{RANDOM}/", "/accounts/password/reset/MQ/<token>/"),
        ("/accounts/password/reset/MQ/set-password/", "/accounts/password/reset/MQ/set-password/"),
        (f"https://fans.example/fanloop/me/{SIGNED}/export.json",
         "https://fans.example/fanloop/me/<token>/export.json"),
        (f"/e/o/{SIGNED}.gif", "/e/o/<token>"),
        ("/nova-lights/midnight-signal/thanks?done=follow",
         "/nova-lights/midnight-signal/thanks?done=follow"),
        ("/w/alice-band/fans/12/", "/w/alice-band/fans/12/"),
    ],
)  # fmt: skip
def test_it_scrubs_tokens_and_keeps_the_rest(line: str, expected: str) -> None:
    assert scrub(line) == expected


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_granians_access_log_logs_no_token(tmp_path: Path) -> None:
    """``fanloop serve`` with the access log an operator may turn on
    (``GRANIAN_LOG_ACCESS_ENABLED``)."""
    port = _free_port()
    env = {
        **os.environ,
        "FANLOOP_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "GRANIAN_LOG_ACCESS_ENABLED": "true",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "fanloop.cli", "serve", "--port", str(port), "--workers", "1",
         "--no-migrate"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True)
    reader.start()
    try:
        status = None
        deadline = time.monotonic() + 60
        while status is None and time.monotonic() < deadline:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/me/{SIGNED}/delete/").status_code
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 403
        # granian writes the access line once the response is sent: wait for it.
        while time.monotonic() < deadline and not any("granian.access" in x for x in lines):
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=10)
    out = "".join(lines)
    assert "GET /me/<token>/delete/" in out, out
    assert SIGNED not in out
