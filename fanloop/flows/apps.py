from __future__ import annotations

from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "fanloop.flows"
    label = "flows"
    verbose_name = "Growth flows"

    def ready(self) -> None:
        # Services import models: only once the app registry is ready.
        from fanloop.flows.services import flows_sending
        from fanloop.messaging.email_templates import register_template_users

        register_template_users("flows", flows_sending)
