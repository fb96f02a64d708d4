"""Helpers for tests and benchmarks that need a running emulator: start it as a real server
on a free loopback port (``run_emulator``) and drive its admin API (``AdminClient``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for the test clients made here: httpx builds one per client by default,
    loading the CA bundle each time (about 20 ms of CPU, more than most calls to the emulator)."""
    return httpx.create_ssl_context()


def http_client(**kwargs: Any) -> httpx.Client:
    """``httpx.Client(**kwargs)`` on the shared TLS context."""
    return httpx.Client(verify=tls_context(), **kwargs)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def run_emulator(
    port: int | None = None,
    *,
    seed: int = 0,
    snapshot: str | os.PathLike[str] | None = None,
    timeout_s: float = 30.0,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Start ``python -m emulator`` on 127.0.0.1 and yield its base URL; stop it on exit."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "emulator", "--port", str(port), "--seed", str(seed)]
    if snapshot is not None:
        cmd += ["--snapshot", str(snapshot)]
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), child_env.get("PYTHONPATH")) if p
    )
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log, timeout_s)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with http_client(timeout=1.0) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"emulator exited early:\n{log.read().decode(errors='replace')}")
            try:
                if http.get(f"{base}/_emulator/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise RuntimeError("emulator did not become ready in time")


class AdminClient:
    """Thin wrapper over the admin API; every method returns the decoded JSON answer."""

    def __init__(self, base_url: str, timeout_s: float = 30.0) -> None:
        self.base_url = base_url
        self.http = http_client(base_url=f"{base_url}/_emulator", timeout=timeout_s)

    def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self.http.post(path, json=body or {})
        if r.status_code >= 400:
            raise RuntimeError(f"admin {path}: {r.status_code} {r.text}")
        return r.json()

    def _get(self, path: str, **params: Any) -> Any:
        r = self.http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def reset(self) -> Any:
        return self._post("/reset")

    def app(self, **fields: Any) -> Any:
        return self._post("/apps", fields)

    def list_apps(self) -> list[dict[str, Any]]:
        answer = self._get("/apps")
        apps = answer.get("apps", answer) if isinstance(answer, dict) else answer
        return list(apps)

    def allow(self, client_id: str, email: str) -> Any:
        """Put ``email`` on a development-mode Spotify app's allow-list (as its owner does in
        the Developer Dashboard); the list after."""
        return self._post(f"/apps/spotify/{client_id}/users", {"email": email})

    def disallow(self, client_id: str, email: str) -> Any:
        r = self.http.delete(f"/apps/spotify/{client_id}/users/{email}")
        if r.status_code >= 400:
            raise RuntimeError(f"admin disallow: {r.status_code} {r.text}")
        return r.json()

    def catalog(self, artists: list[dict[str, Any]], albums: list[dict[str, Any]]) -> Any:
        return self._post("/catalog", {"artists": artists, "albums": albums})

    def user(self, **fields: Any) -> Any:
        return self._post("/users", fields)

    def users(self, users: list[dict[str, Any]]) -> Any:
        return self._post("/users", {"users": users})["users"]

    def token(self, **fields: Any) -> Any:
        return self._post("/tokens", fields)

    def tokens(self, tokens: list[dict[str, Any]]) -> Any:
        return self._post("/tokens", {"tokens": tokens})["tokens"]

    def revoke(self, **fields: Any) -> Any:
        return self._post("/revoke", fields)

    def clock(self, **fields: Any) -> Any:
        return self._post("/clock", fields)

    def faults(self, **fields: Any) -> Any:
        return self._post("/faults", fields)

    def config(self, **fields: Any) -> Any:
        return self._post("/config", fields)

    def act(self, **fields: Any) -> Any:
        return self._post("/acts", fields)

    def acts(self, acts: list[dict[str, Any]]) -> Any:
        return self._post("/acts", {"acts": acts})["acts"]

    def library(self, platform: str, user_id: str) -> Any:
        return self._get(f"/users/{platform}/{user_id}/library")

    def stats(self, detail: bool = False) -> Any:
        return self._get("/stats", **({"detail": "1"} if detail else {}))

    def apple_developer_token(self, client_id: str, expires_in: int = 86400) -> str:
        body = {"client_id": client_id, "expires_in": expires_in}
        return str(self._post("/apple/developer-token", body)["developer_token"])

    def close(self) -> None:
        self.http.close()


class _FormParser(HTMLParser):
    """The first form of a page: its action, hidden fields and named buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name"):
            self.buttons[a.get("id", a["name"])] = a.get("value", "")


def parse_form(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    if parser.action is None:
        raise AssertionError(f"no form on the page:\n{html[:500]}")
    return parser


def answer_consent(
    client: httpx.Client,
    authorize_url: str,
    email: str,
    *,
    agree: bool = True,
    password: str = "x",  # noqa: S107 - the emulator accepts any password unless configured
) -> str:
    """Act as the fan's browser at the emulator: log in when asked, then agree (or cancel)
    on the consent page. Returns where the emulator redirects: the app's callback URL."""
    r = client.get(authorize_url)
    if r.status_code == 200 and 'name="email"' in r.text:
        form = parse_form(r.text)
        data = {**form.fields, "email": email, "password": password}
        r = client.post(urljoin(authorize_url, form.action or ""), data=data)
        if r.status_code != 303:
            raise AssertionError(f"login refused: {r.status_code} {r.text[:300]}")
        r = client.get(urljoin(authorize_url, r.headers["location"]))
    if r.status_code == 200:
        form = parse_form(r.text)
        data = {**form.fields, "action": "accept" if agree else "cancel"}
        r = client.post(urljoin(authorize_url, form.action or ""), data=data)
    if r.status_code not in (302, 303):
        raise AssertionError(f"no redirect from the emulator: {r.status_code} {r.text[:300]}")
    return str(r.headers["location"])
