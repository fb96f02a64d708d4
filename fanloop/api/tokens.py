"""API tokens: created by a workspace's owners, shown once, kept as a SHA-256 digest.

A secret is ``fl_`` followed by 43 URL-safe characters (256 random bits): a digest without
salt is enough for a secret that cannot be guessed, and lets a request find its token with
one indexed lookup. Scopes are ``<family>:read`` or ``<family>:write`` (write includes read).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.api.models import ApiToken

PREFIX = "fl_"
# Resource families a scope names.
FAMILIES: dict[str, str] = {
    "catalog": "Artists and releases",
    "fans": "Fans, their events and pre-saves",
    "flows": "Flows",
    "delivery": "Release-day delivery",
    "webhooks": "Webhooks (their URLs, secrets and delivery log)",
    "segments": "Segments",
    "broadcasts": "Broadcasts",
    "insights": "Funnels and leverage tables (read only)",
}
READ, WRITE = "read", "write"
# The last-used time is written at most this often per token (not on every request).
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scope(family: str, level: str) -> str:
    return f"{family}:{level}"


def allows(token: ApiToken, family: str, level: str) -> bool:
    """Whether ``token`` may ``level`` (read / write) the resources of ``family``."""
    granted = set(token.scopes)
    if scope(family, WRITE) in granted:
        return True
    return level == READ and scope(family, READ) in granted


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def create_token(
    workspace: Workspace,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None,
    created_by: User | None,
) -> NewToken:
    name = (name or "").strip()
    cleaned = sorted(set(scopes))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Name the token (e.g. the tool that will use it)."
    elif len(name) > 100:
        errors["name"] = "The name is too long: at most 100 characters."
    valid = {scope(f, level) for f in FAMILIES for level in (READ, WRITE)}
    if not cleaned:
        errors["scopes"] = "Give the token at least one scope."
    elif set(cleaned) - valid:
        errors["scopes"] = f"Unknown scopes: {', '.join(sorted(set(cleaned) - valid))}."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=workspace,
        name=name,
        prefix=secret[:8],
        digest=digest(secret),
        scopes=cleaned,
        expires_at=expires_at,
        created_by=created_by,
    )
    return NewToken(token, secret)


def revoke_token(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def find_active(secret: str) -> ApiToken | None:
    """The unrevoked, unexpired token with this secret, its last use noted; else None."""
    if not secret.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("workspace").filter(digest=digest(secret)).first()
    now = timezone.now()
    if token is None or not token.is_active(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
