"""The one outbound webhook sender: the SSRF guard, one POST, and Standard Webhooks signing.

Both the flow step ``webhook`` (``flows/webhooks_out.py``) and the workspace's event
subscriptions (``webhooks/``) send through ``post``.

Safe by construction: only http(s); the host is resolved once and every address must be
public (no loopback, private, link-local, multicast or reserved ranges, also when an IPv6
address embeds such an IPv4 one: ``::ffff:``, ``::ffff:0:``, ``64:ff9b::``, ``64:ff9b:1::``,
``2002::/16``, Teredo, ``::a.b.c.d``) unless ``FLOW_WEBHOOK_ALLOW_PRIVATE`` is on; the request
goes to the checked address (no second lookup, so DNS rebinding cannot swap it), with the
original Host header and TLS name; no redirects are followed; a short timeout
(``TIMEOUT_SECONDS``).

Standard Webhooks (https://www.standardwebhooks.com/): ``webhook-id``, ``webhook-timestamp``
and ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` keyed by the
base64-decoded part of a ``whsec_<base64>`` secret; several signatures are separated by
spaces (one per valid secret during a rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from fanloop.lib.tls import client_context

USER_AGENT = "fanloop-webhooks/1"
# Timeout of one webhook call (retried on timeouts, 429 and 5xx). Not measured; chosen
# like the delivery calls' timeout: far above a healthy endpoint's latency.
TIMEOUT_SECONDS = 5
# Characters of a response body kept for the delivery log.
EXCERPT_CHARS = 500
SECRET_PREFIX = "whsec_"
# Bytes of a new signing secret (the spec asks for 24 to 64).
SECRET_BYTES = 32


@dataclass(frozen=True)
class SendResult:
    ok: bool
    detail: str
    retry: bool = False  # a timeout, a connection error, 429 or 5xx: try again later
    status_code: int | None = None
    latency_ms: int | None = None
    body_excerpt: str = ""
    refused: bool = False  # the URL may not be called at all (the SSRF guard)


class UnsafeWebhookUrl(ValueError):
    """The URL may not be called (scheme, credentials, or a non-public address)."""


# --- Standard Webhooks signing ------------------------------------------------------------


def new_secret() -> str:
    """A fresh ``whsec_<base64>`` signing secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: its base64 part, decoded."""
    if secret.startswith(SECRET_PREFIX):
        secret = secret[len(SECRET_PREFIX) :]
    return base64.b64decode(secret)


def standard_signature(msg_id: str, timestamp: int, body: bytes, secrets_: Sequence[str]) -> str:
    """The ``webhook-signature`` value: one ``v1,<base64>`` per secret, space separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(secret_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets_
    )


def standard_headers(
    msg_id: str, body: bytes, secrets_: Sequence[str], timestamp: int | None = None
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": standard_signature(msg_id, ts, body, secrets_),
    }


# --- the address check ---------------------------------------------------------------------

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


def check_url_shape(url: str) -> None:
    """UnsafeWebhookUrl unless ``url`` is http(s) with a host, no credentials, a valid port."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookUrl("only http and https URLs with a host can be called")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("webhook URLs cannot hold credentials")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise UnsafeWebhookUrl("the port is not valid") from None


def resolve_target(url: str) -> tuple[str, str, int]:
    """(host, checked address, port) for ``url``, or UnsafeWebhookUrl."""
    check_url_shape(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeWebhookUrl(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise UnsafeWebhookUrl(f"{host} is not a public address")
    return host, addresses[0], port


# --- the call ------------------------------------------------------------------------------


def post(url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
    """POST ``body`` (JSON) to ``url`` with ``headers``; never raises for network or HTTP
    errors, nor for a refused URL."""
    try:
        host, address, port = resolve_target(url)
    except UnsafeWebhookUrl as exc:
        return SendResult(False, f"refused: {exc}", refused=True)
    parts = urlsplit(url)
    netloc_ip = f"[{address}]" if ":" in address else address
    target = urlunsplit((parts.scheme, f"{netloc_ip}:{port}", parts.path or "/", parts.query, ""))
    default_port = 443 if parts.scheme == "https" else 80
    sent_headers = {
        "Host": host if port == default_port else f"{host}:{port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
    }
    timeout = httpx.Timeout(TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        with httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            verify=client_context(trust_env=False),
        ) as client:
            response = client.post(
                target, content=body, headers=sent_headers, extensions={"sni_hostname": host}
            )
    except httpx.TimeoutException:
        return SendResult(False, "timed out", retry=True, latency_ms=_since(started))
    except httpx.HTTPError as exc:
        detail = f"{type(exc).__name__}: {exc}"[:200]
        return SendResult(False, detail, retry=True, latency_ms=_since(started))
    latency = _since(started)
    status = response.status_code
    excerpt = response.content[: EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS]
    if 200 <= status < 300:
        ok, retry, detail = True, False, f"HTTP {status}"
    elif 300 <= status < 400:
        ok, retry, detail = False, False, f"HTTP {status}: redirects are not followed"
    else:
        ok, retry, detail = False, status == 429 or status >= 500, f"HTTP {status}"
    return SendResult(
        ok, detail, retry=retry, status_code=status, latency_ms=latency, body_excerpt=excerpt
    )


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
