"""The ``webhook`` flow step: POST a signed JSON payload to a member's URL.

Sent through the shared sender (``lib/webhook_sender.py``: the SSRF guard, no redirects, a
short timeout), the same one the workspace's event subscriptions use.

Headers (unchanged for existing receivers): ``Fanloop-Signature: t=<unix time>,v1=<hex
HMAC-SHA256 of "<t>.<body>">`` with ``FLOW_WEBHOOK_SECRET`` (blank: derived from SECRET_KEY,
see ``webhook_secret``), and ``Fanloop-Idempotency-Key`` (the same for a retried step, so
receivers can de-duplicate).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from fanloop.lib import webhook_sender
from fanloop.lib.webhook_sender import (
    TIMEOUT_SECONDS,
    USER_AGENT,
    UnsafeWebhookUrl,
    embedded_ipv4,
    resolve_target,
)

__all__ = [
    "TIMEOUT_SECONDS",
    "USER_AGENT",
    "UnsafeWebhookUrl",
    "WebhookResult",
    "embedded_ipv4",
    "post_webhook",
    "resolve_target",
    "sign",
    "webhook_secret",
]


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    detail: str
    retry: bool = False  # a timeout, a connection error, 429 or 5xx: try again later


def webhook_secret() -> str:
    """The signing secret receivers verify with."""
    if settings.FLOW_WEBHOOK_SECRET:
        return str(settings.FLOW_WEBHOOK_SECRET)
    return salted_hmac("fanloop.flows.webhook-secret", "v1", algorithm="sha256").hexdigest()


def sign(body: bytes, timestamp: int, secret: str | None = None) -> str:
    key = (secret or webhook_secret()).encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_webhook(url: str, payload: dict[str, Any], *, key: str) -> WebhookResult:
    """POST ``payload`` as JSON to ``url``; never raises for network or HTTP errors."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
    headers = {
        "Fanloop-Signature": sign(body, int(time.time())),
        "Fanloop-Idempotency-Key": key,
    }
    result = webhook_sender.post(url, body, headers)
    return WebhookResult(result.ok, result.detail, retry=result.retry)
