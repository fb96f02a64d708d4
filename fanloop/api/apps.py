from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "fanloop.api"
    label = "api"
    verbose_name = "REST API"
