from __future__ import annotations

from django.apps import AppConfig


class FansConfig(AppConfig):
    name = "fanloop.fans"
    label = "fans"

    def ready(self) -> None:
        from fanloop.catalog.hooks import artist_deleting
        from fanloop.fans import consents

        # An artist's deletion takes its consent rows: ``Fan.consented`` follows.
        artist_deleting.register("fans.consented", consents.artist_deleting)
        # The home's parts query models: imported once the app registry is ready.
        from fanloop.catalog.home import home_parts
        from fanloop.fans.home import reconnect_attention

        home_parts.register_attention("reconnect", 20, reconnect_attention)
