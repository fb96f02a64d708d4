from __future__ import annotations

from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "fanloop.platforms"
    label = "platforms"
    verbose_name = "Streaming platforms"
