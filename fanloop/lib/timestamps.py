"""The creation and last-change times most rows keep."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Timestamped(models.Model):
    """``created`` (settable, e.g. by imports and tests) and ``updated`` (set on every save)."""

    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
