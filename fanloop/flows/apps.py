from __future__ import annotations

from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "fanloop.flows"
    label = "flows"
    verbose_name = "Growth flows"
