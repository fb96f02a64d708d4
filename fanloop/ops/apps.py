from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings

from fanloop.lib import tuning


class OpsConfig(AppConfig):
    name = "fanloop.ops"
    label = "ops"

    def ready(self) -> None:
        # Once every app is loaded, any module a FANLOOP_TUNING override names can be imported.
        tuning.apply(settings.TUNING)
