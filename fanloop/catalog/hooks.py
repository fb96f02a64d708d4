"""Hooks of catalog's services (``fanloop.lib.hooks``): fulfillment reschedules
release-day delivery when a published release is saved; fans drops an artist's consent rows
(and recomputes what they granted) before the artist is deleted."""

from __future__ import annotations

from fanloop.catalog.models import Artist, Release
from fanloop.lib.hooks import Hooks

# Called by create_release, update_release and publish_release after the release is saved.
release_saved: Hooks[Release] = Hooks("release saved")

# Called by delete_artist inside its transaction, before the artist (and what cascades from
# it) is deleted.
artist_deleting: Hooks[Artist] = Hooks("artist deleting")
