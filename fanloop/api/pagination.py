"""Cursor pagination for every list: items in id order, an opaque signed cursor, a next link.

A cursor is the last id of the page signed with the secret key (``django.core.signing``):
clients cannot forge or edit one, and a page stays stable while rows are added after it.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from fanloop.api.problems import Problem

SALT = "fanloop.api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

M = TypeVar("M", bound=Model)


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        raise Problem(400, "The cursor is not one this API gave.", kind="bad-cursor") from None
    if not isinstance(value, int) or value < 0:
        raise Problem(400, "The cursor is not one this API gave.", kind="bad-cursor")
    return value


def page(
    request: HttpRequest, items: QuerySet[M], cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """One page of ``items`` after ``cursor`` (by id) and the URL of the next page."""
    rows = list(items.filter(pk__gt=_after(cursor)).order_by("pk")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    query: dict[str, Any] = {
        key: value for key, value in request.GET.items() if key not in ("cursor", "limit")
    }
    query["limit"] = limit
    query["cursor"] = signing.dumps(rows[-1].pk, salt=SALT)
    return rows, request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
