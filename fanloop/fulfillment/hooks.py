"""Keep delivery schedules in step with releases and pre-saves (``fanloop.lib.hooks``).

catalog's release services call ``release_saved`` after saving a release: a published
release is (re)scheduled after the commit (date moves, publishing). ``record_presave``
calls ``presave_created`` for a new pre-save: one in a market (or on a platform) the
release has no wave for yet reschedules it. Failures are logged, never raised: a pre-save
must not fail because of the schedule (the worker's tick schedules releases close to their
instant anyway).
"""

from __future__ import annotations

import logging

from django.db import transaction

from fanloop.catalog.hooks import release_saved as release_saved_hooks
from fanloop.catalog.models import Release
from fanloop.fans.models import PreSave
from fanloop.fans.presaves import presave_created as presave_created_hooks
from fanloop.fulfillment.models import MarketWave, ReleasePlatform
from fanloop.fulfillment.services import schedule_release

log = logging.getLogger(__name__)


def _schedule_later(release_id: int) -> None:
    def run() -> None:
        release = Release.objects.select_related("artist").filter(pk=release_id).first()
        if release is None:
            return
        try:
            schedule_release(release)
        except Exception:
            log.exception("scheduling release %s failed", release_id)

    transaction.on_commit(run)


def release_saved(release: Release) -> None:
    if release.published:
        _schedule_later(release.pk)


def presave_created(presave: PreSave) -> None:
    if not ReleasePlatform.objects.filter(release_id=presave.release_id).exists():
        return  # not scheduled yet: publishing or the tick will
    waves = MarketWave.objects.filter(
        state__release_id=presave.release_id, state__platform=presave.platform
    )
    if not waves.exists() or not waves.filter(market__in=[presave.country, ""]).exists():
        _schedule_later(presave.release_id)


def register() -> None:
    release_saved_hooks.register("fulfillment.schedule", release_saved)
    presave_created_hooks.register("fulfillment.schedule", presave_created)
