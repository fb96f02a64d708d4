"""The ``webhook`` flow step: POST a signed JSON payload to a member's URL.

Safe by construction: only http(s); the host is resolved once and every address must be
public (no loopback, private, link-local, multicast or reserved ranges) unless
``FLOW_WEBHOOK_ALLOW_PRIVATE`` is on; the request goes to the checked address (no second
lookup, so DNS rebinding cannot swap it), with the original Host header and TLS name; no
redirects are followed; a short timeout (``FLOW_WEBHOOK_TIMEOUT_SECONDS``).

Headers: ``Fanloop-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with
``FLOW_WEBHOOK_SECRET`` (blank: derived from SECRET_KEY, see ``webhook_secret``), and
``Fanloop-Idempotency-Key`` (the same for a retried step, so receivers can de-duplicate).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.crypto import salted_hmac

USER_AGENT = "fanloop-webhooks/1"


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    detail: str
    retry: bool = False  # a timeout, a connection error, 429 or 5xx: try again later


class UnsafeWebhookUrl(ValueError):
    """The URL may not be called (scheme, credentials, or a non-public address)."""


def webhook_secret() -> str:
    """The signing secret receivers verify with."""
    if settings.FLOW_WEBHOOK_SECRET:
        return str(settings.FLOW_WEBHOOK_SECRET)
    return salted_hmac("fanloop.flows.webhook-secret", "v1", algorithm="sha256").hexdigest()


def sign(body: bytes, timestamp: int, secret: str | None = None) -> str:
    key = (secret or webhook_secret()).encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if settings.FLOW_WEBHOOK_ALLOW_PRIVATE:
        return not (ip.is_multicast or ip.is_unspecified)
    return ip.is_global and not ip.is_multicast


def resolve_target(url: str) -> tuple[str, str, int]:
    """(host, checked address, port) for ``url``, or UnsafeWebhookUrl."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookUrl("only http and https URLs with a host can be called")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("webhook URLs cannot hold credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeWebhookUrl("the port is not valid") from None
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeWebhookUrl(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise UnsafeWebhookUrl(f"{host} is not a public address")
    return host, addresses[0], port


def post_webhook(url: str, payload: dict[str, Any], *, key: str) -> WebhookResult:
    """POST ``payload`` as JSON to ``url``; never raises for network or HTTP errors."""
    try:
        host, address, port = resolve_target(url)
    except UnsafeWebhookUrl as exc:
        return WebhookResult(False, f"refused: {exc}")
    parts = urlsplit(url)
    netloc_ip = f"[{address}]" if ":" in address else address
    target = urlunsplit((parts.scheme, f"{netloc_ip}:{port}", parts.path or "/", parts.query, ""))
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
    default_port = 443 if parts.scheme == "https" else 80
    headers = {
        "Host": host if port == default_port else f"{host}:{port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Fanloop-Signature": sign(body, int(time.time())),
        "Fanloop-Idempotency-Key": key,
    }
    timeout = httpx.Timeout(settings.FLOW_WEBHOOK_TIMEOUT_SECONDS)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.post(
                target, content=body, headers=headers, extensions={"sni_hostname": host}
            )
    except httpx.TimeoutException:
        return WebhookResult(False, "timed out", retry=True)
    except httpx.HTTPError as exc:
        return WebhookResult(False, f"{type(exc).__name__}: {exc}"[:200], retry=True)
    status = response.status_code
    if 200 <= status < 300:
        return WebhookResult(True, f"HTTP {status}")
    if 300 <= status < 400:
        return WebhookResult(False, f"HTTP {status}: redirects are not followed")
    return WebhookResult(False, f"HTTP {status}", retry=status == 429 or status >= 500)
