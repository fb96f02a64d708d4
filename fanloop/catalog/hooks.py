"""Hooks of catalog's release services (``fanloop.lib.hooks``): fulfillment reschedules
release-day delivery when a published release is saved."""

from __future__ import annotations

from fanloop.catalog.models import Release
from fanloop.lib.hooks import Hooks

# Called by create_release, update_release and publish_release after the release is saved.
release_saved: Hooks[Release] = Hooks("release saved")
