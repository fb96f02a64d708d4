"""Forget cached public pages of a release or an artist as soon as this process saves one.

Other processes notice within ``pages.REVALIDATE_SECONDS``: see ``middleware.py``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from fanloop.campaigns import artist_page, pages
from fanloop.catalog.models import Artist, Release


def _release_changed(sender: type[Release], instance: Release, **kwargs: Any) -> None:
    pages.forget(release_id=instance.pk)
    artist_page.forget(instance.artist_id)


def _artist_changed(sender: type[Artist], instance: Artist, **kwargs: Any) -> None:
    pages.forget(artist_id=instance.pk)
    artist_page.forget(instance.pk)


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_release_changed, sender=Release, dispatch_uid="campaigns-release")
        signal.connect(_artist_changed, sender=Artist, dispatch_uid="campaigns-artist")
