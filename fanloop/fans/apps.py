from __future__ import annotations

from django.apps import AppConfig


class FansConfig(AppConfig):
    name = "fanloop.fans"
    label = "fans"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, pre_delete

        from fanloop.catalog.models import Artist
        from fanloop.fans import consents

        # An artist's deletion deletes its consent rows: ``Fan.consented`` follows.
        pre_delete.connect(consents.artist_deleting, sender=Artist, dispatch_uid="fans-consented")
        post_delete.connect(consents.artist_deleted, sender=Artist, dispatch_uid="fans-consented")
        # The home's parts query models: imported once the app registry is ready.
        from fanloop.catalog.home import home_parts
        from fanloop.fans.home import reconnect_attention

        home_parts.register_attention("reconnect", 20, reconnect_attention)
