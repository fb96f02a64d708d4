from __future__ import annotations

from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fanloop.fulfillment"
    label = "fulfillment"
    verbose_name = "Release-day delivery"

    def ready(self) -> None:
        from fanloop.catalog.home import home_parts
        from fanloop.catalog.panels import release_panels
        from fanloop.fans.panels import fan_panels
        from fanloop.fulfillment import fan_data, home, hooks, panels

        hooks.register()
        fan_data.register()
        fan_panels.register("deliveries", 10, panels.fan_deliveries)
        release_panels.register("delivery", 10, panels.release_delivery)
        home_parts.register_attention("deliveries_failed", 30, home.failed_attention)
        home_parts.register_attention("not_found", 40, home.not_found_attention)
