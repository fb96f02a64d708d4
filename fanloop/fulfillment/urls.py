"""Release-day delivery pages under a release: ``/w/<ws>/releases/<pk>/delivery/…``."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.fulfillment import views

app_name = "fulfillment"

urlpatterns: list[URLPattern] = [
    path("w/<slug:ws>/releases/<int:pk>/delivery/", views.progress, name="progress"),
    path(
        "w/<slug:ws>/releases/<int:pk>/delivery/live/",
        views.progress_fragment,
        name="progress_fragment",
    ),
    path("w/<slug:ws>/releases/<int:pk>/delivery/retry/", views.retry, name="retry"),
    path(
        "w/<slug:ws>/releases/<int:pk>/delivery/<slug:platform>/album/",
        views.album_override,
        name="album_override",
    ),
]
