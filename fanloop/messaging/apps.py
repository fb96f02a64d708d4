from __future__ import annotations

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "fanloop.messaging"
    label = "messaging"
    verbose_name = "Email"

    def ready(self) -> None:
        from anymail.signals import tracking

        from fanloop.messaging.webhooks import on_tracking

        tracking.connect(on_tracking, dispatch_uid="fanloop.messaging.on_tracking")
