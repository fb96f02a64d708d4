"""Dashboard URLs for a workspace's platform apps (``/w/<ws>/platforms/…``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.platforms import views

app_name = "platforms"
urlpatterns: list[URLPattern] = [
    path("w/<slug:ws>/platforms/", views.app_list, name="app_list"),
    path("w/<slug:ws>/platforms/new/<slug:platform>/", views.app_create, name="app_create"),
    path("w/<slug:ws>/platforms/<int:pk>/edit/", views.app_edit, name="app_edit"),
    path("w/<slug:ws>/platforms/<int:pk>/check/", views.app_check, name="app_check"),
    path("w/<slug:ws>/platforms/<int:pk>/activate/", views.app_activate, name="app_activate"),
    path("w/<slug:ws>/platforms/<int:pk>/deactivate/", views.app_deactivate, name="app_deactivate"),
    path("w/<slug:ws>/platforms/<int:pk>/delete/", views.app_delete, name="app_delete"),
]
