"""The ``webhook`` flow step: POST a signed JSON payload to a member's URL.

Safe by construction: only http(s); the host is resolved once and every address must be
public (no loopback, private, link-local, multicast or reserved ranges) unless
``FLOW_WEBHOOK_ALLOW_PRIVATE`` is on; the request goes to the checked address (no second
lookup, so DNS rebinding cannot swap it), with the original Host header and TLS name; no
redirects are followed; a short timeout (``TIMEOUT_SECONDS``).

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
# Timeout of one webhook call (retried on timeouts, 429 and 5xx). Not measured; chosen
# like the delivery calls' timeout: far above a healthy endpoint's latency.
TIMEOUT_SECONDS = 5


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


# IPv6 forms that carry an IPv4 address in their last 32 bits; the IPv4 one decides.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # NAT64 well-known prefix (RFC 6052)
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d (RFC 4291)
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (RFC 2765)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one leads to (mapped, compatible, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    last32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64 or ip in _IPV4_TRANSLATED:
        return last32
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1, which are themselves
        return last32
    return None


def _allowed(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL and not settings.FLOW_WEBHOOK_ALLOW_PRIVATE:
            return False  # translates into the operator's own network
        ip = embedded_ipv4(ip) or ip
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
    timeout = httpx.Timeout(TIMEOUT_SECONDS)
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
