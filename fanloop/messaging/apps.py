from __future__ import annotations

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "fanloop.messaging"
    label = "messaging"
    verbose_name = "Email"

    def ready(self) -> None:
        from anymail.signals import tracking

        # Imported once the apps are loaded (their models are read at import).
        from fanloop.lib.mail import workspace_mail
        from fanloop.messaging import fan_data
        from fanloop.messaging.sink import record_workspace_mail
        from fanloop.messaging.webhooks import on_tracking

        tracking.connect(on_tracking, dispatch_uid="fanloop.messaging.on_tracking")
        fan_data.register()
        workspace_mail.register("messaging.mailbox", record_workspace_mail)
