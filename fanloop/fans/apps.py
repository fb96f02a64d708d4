from __future__ import annotations

from django.apps import AppConfig


class FansConfig(AppConfig):
    name = "fanloop.fans"
    label = "fans"
