from __future__ import annotations

from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fanloop.fulfillment"
    label = "fulfillment"
    verbose_name = "Release-day delivery"

    def ready(self) -> None:
        # Imported once the apps are loaded (their models are read at import).
        from fanloop.fulfillment import fan_data, panels, signals

        signals.connect()
        panels.register()
        fan_data.register()
