from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fanloop.ops.models import WorkerHeartbeat
from fanloop.ops.worker import beat

pytestmark = pytest.mark.django_db


def test_it_reports_missing_worker_as_failure(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "database": "ok",
        "worker": "missing",
        "workers_alive": 0,
    }


def test_it_is_healthy_with_a_fresh_heartbeat(client: Client) -> None:
    beat("worker-a")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["workers_alive"] == 1
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_a_stale_worker(client: Client) -> None:
    WorkerHeartbeat.objects.create(
        executor_id="old", hostname="h", pid=1, last_seen=timezone.now() - dt.timedelta(hours=1)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"


def test_it_updates_one_row_per_executor() -> None:
    beat("worker-a")
    beat("worker-a")
    beat("worker-b")
    assert WorkerHeartbeat.objects.count() == 2


def test_it_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
