from __future__ import annotations

from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fanloop.fulfillment"
    label = "fulfillment"
    verbose_name = "Release-day delivery"

    def ready(self) -> None:
        from fanloop.fulfillment import signals

        signals.connect()
