"""Operational state: worker heartbeats for /healthz."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    executor_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.IntegerField()
    started = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.executor_id} ({self.hostname}:{self.pid})"
