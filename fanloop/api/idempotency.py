"""``Idempotency-Key`` on POST: the first answer is stored with the write it made, in one
transaction, and replayed for a retry with the same key; the same key with another
request is refused (422). Keys are per token. Only successful answers are stored: a
refused request changed nothing and may be retried as it is. An answer carrying a secret
(a new webhook's signing secret; the view sets ``SENSITIVE`` on the response) is stored
encrypted (``lib/crypto``)."""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from fanloop.api.models import ApiToken, IdempotentRequest
from fanloop.api.problems import Problem
from fanloop.lib import crypto

HEADER = "Idempotency-Key"
# Attribute a view sets on a response holding a secret: stored encrypted.
SENSITIVE = "fanloop_sensitive"
MAX_KEY = 255
# The header in the OpenAPI description of every POST (``openapi_extra`` of the route).
OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_KEY},
            "description": "Retries with the same key get the first answer again.",
        }
    ]
}


def _fingerprint(request: HttpRequest) -> str:
    hasher = hashlib.sha256()
    for part in (request.method or "", request.path, request.body):
        hasher.update(part if isinstance(part, bytes) else part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


def _replay(stored: IdempotentRequest, fingerprint: str) -> HttpResponse:
    if stored.fingerprint != fingerprint:
        raise Problem(
            422,
            "This Idempotency-Key was used with another request; use a new key.",
            kind="idempotency-key-reused",
        )
    body = stored.body
    if body.startswith(crypto.PREFIX):
        body = crypto.decrypt(body)
    response = HttpResponse(body, status=stored.status, content_type=stored.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a POST view that returns an ``HttpResponse``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER, "")
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > MAX_KEY:
            raise Problem(422, f"{HEADER} is at most {MAX_KEY} characters.")
        token: ApiToken = request.auth  # type: ignore[attr-defined]
        fingerprint = _fingerprint(request)
        stored = IdempotentRequest.objects.filter(token=token, key=key).first()
        if stored is not None:
            return _replay(stored, fingerprint)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    body = response.content.decode()
                    if getattr(response, SENSITIVE, False):
                        body = crypto.encrypt(body)
                    IdempotentRequest.objects.create(
                        token=token,
                        key=key,
                        fingerprint=fingerprint,
                        status=response.status_code,
                        content_type=response["Content-Type"],
                        body=body,
                    )
        except IntegrityError:
            # A concurrent request with this key committed first: its write stands, ours
            # was rolled back with the insert; answer as it did.
            stored = IdempotentRequest.objects.filter(token=token, key=key).first()
            if stored is None:
                raise
            return _replay(stored, fingerprint)
        return response

    # ninja reads the view's parameters from the signature: give it the view's own, with
    # its annotations resolved in the view's module rather than in this one.
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper
