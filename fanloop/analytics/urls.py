"""Analytics has no pages of its own yet: the per-release panel is included by the dashboard."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "analytics"
urlpatterns: list[URLPattern] = []
