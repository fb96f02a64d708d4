"""Keep delivery schedules in step with releases and pre-saves.

A release saved while published is (re)scheduled after the commit (date moves, publishing);
a pre-save in a market (or on a platform) the release has no wave for yet reschedules it.
Failures are logged, never raised: a pre-save must not fail because of the schedule (the
worker's tick schedules releases close to their instant anyway).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from fanloop.catalog.models import Release
from fanloop.fans.models import PreSave
from fanloop.fulfillment.models import MarketWave, ReleasePlatform

log = logging.getLogger(__name__)


def _schedule_later(release_id: int) -> None:
    def run() -> None:
        from fanloop.fulfillment.services import schedule_release

        release = Release.objects.select_related("artist").filter(pk=release_id).first()
        if release is None:
            return
        try:
            schedule_release(release)
        except Exception:
            log.exception("scheduling release %s failed", release_id)

    transaction.on_commit(run)


def release_saved(sender: Any, instance: Release, raw: bool = False, **kwargs: Any) -> None:
    if raw or not instance.published:
        return
    _schedule_later(instance.pk)


def presave_saved(
    sender: Any, instance: PreSave, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not created:
        return
    if not ReleasePlatform.objects.filter(release_id=instance.release_id).exists():
        return  # not scheduled yet: publishing or the tick will
    waves = MarketWave.objects.filter(
        state__release_id=instance.release_id, state__platform=instance.platform
    )
    if not waves.exists() or not waves.filter(market__in=[instance.country, ""]).exists():
        _schedule_later(instance.release_id)


def connect() -> None:
    post_save.connect(release_saved, sender=Release, dispatch_uid="fulfillment-release")
    post_save.connect(presave_saved, sender=PreSave, dispatch_uid="fulfillment-presave")
