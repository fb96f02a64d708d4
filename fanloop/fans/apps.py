from __future__ import annotations

from django.apps import AppConfig


class FansConfig(AppConfig):
    name = "fanloop.fans"
    label = "fans"

    def ready(self) -> None:
        # The home's parts query models: imported once the app registry is ready.
        from fanloop.catalog.home import home_parts
        from fanloop.fans.home import reconnect_attention

        home_parts.register_attention("reconnect", 20, reconnect_attention)
