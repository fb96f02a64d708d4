from __future__ import annotations

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fanloop.analytics"
    label = "analytics"

    def ready(self) -> None:
        # Panels render with models: imported once the app registry is ready.
        from fanloop.analytics import home
        from fanloop.analytics.panels import release_panel
        from fanloop.catalog.home import home_parts
        from fanloop.catalog.panels import release_panels

        release_panels.register("audience", 20, release_panel)
        home_parts.numbers = home.release_numbers
        home_parts.shared = home.is_shared
