"""/healthz: the database answers and a worker has beaten recently."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fanloop.ops import worker
from fanloop.ops.models import WorkerHeartbeat


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_worker() -> tuple[str, int]:
    fresh_after = timezone.now() - dt.timedelta(seconds=3 * worker.HEARTBEAT_SECONDS)
    try:
        alive = WorkerHeartbeat.objects.filter(last_seen__gte=fresh_after).count()
        known = WorkerHeartbeat.objects.exists()
    except Exception:
        return "unknown", 0
    if alive:
        return "ok", alive
    return ("stale" if known else "missing"), 0


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _check_database()
    worker, workers_alive = _check_worker() if database == "ok" else ("unknown", 0)
    healthy = database == "ok" and worker == "ok"
    body = {
        "status": "ok" if healthy else "fail",
        "database": database,
        "worker": worker,
        "workers_alive": workers_alive,
    }
    return JsonResponse(body, status=200 if healthy else 503)
