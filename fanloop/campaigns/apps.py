from __future__ import annotations

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "fanloop.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from fanloop.campaigns import signals

        signals.connect()
