from __future__ import annotations

from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "fanloop.flows"
    label = "flows"
    verbose_name = "Growth flows"

    def ready(self) -> None:
        # Services import models: only once the app registry is ready.
        from fanloop.catalog.panels import release_panels
        from fanloop.fans.panels import fan_panels
        from fanloop.flows import fan_data, panels
        from fanloop.flows.broadcasts import broadcasts_sending
        from fanloop.flows.services import flows_sending
        from fanloop.messaging.email_templates import register_template_users

        register_template_users("flows", flows_sending)
        register_template_users("broadcasts", broadcasts_sending)
        fan_data.register()
        fan_panels.register("engagement", 20, panels.fan_engagement)
        release_panels.register("library-checks", 30, panels.release_library_checks)
