"""JSON answers built here rather than by ninja, for the POST routes whose answer the
idempotency store keeps."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Schema


def json_response(schema: type[Schema], obj: Any, status: int = 200) -> HttpResponse:
    body = schema.from_orm(obj).model_dump_json()
    return HttpResponse(body, status=status, content_type="application/json")
