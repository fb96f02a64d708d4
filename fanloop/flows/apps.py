from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


def _workspace_created(
    sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any
) -> None:
    """Every new workspace gets the default flow (and its email templates)."""
    if created and not raw:
        from fanloop.flows.defaults import create_default_flow

        create_default_flow(instance)


class FlowsConfig(AppConfig):
    name = "fanloop.flows"
    label = "flows"
    verbose_name = "Growth flows"

    def ready(self) -> None:
        from fanloop.accounts.models import Workspace

        post_save.connect(_workspace_created, sender=Workspace, dispatch_uid="flows.default_flow")
        # Imported once the apps are loaded (its models are read at import).
        from fanloop.flows import fan_data, panels

        panels.register()
        fan_data.register()
