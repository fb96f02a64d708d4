from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "fanloop.webhooks"
    label = "webhooks"
    verbose_name = "Event webhooks"

    def ready(self) -> None:
        # Imported here: registering the hooks needs the apps loaded.
        from fanloop.webhooks import fan_data, hooks

        hooks.register()
        fan_data.register()
