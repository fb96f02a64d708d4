from __future__ import annotations

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fanloop.analytics"
    label = "analytics"

    def ready(self) -> None:
        # Imported once the apps are loaded (its models are read at import).
        from fanloop.analytics import panels

        panels.register()
