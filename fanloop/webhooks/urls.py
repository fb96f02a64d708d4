"""Dashboard URLs of event webhooks (``/w/<ws>/settings/webhooks/``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.webhooks import views

app_name = "webhooks"
_BASE = "w/<slug:ws>/settings/webhooks/"
urlpatterns: list[URLPattern] = [
    path(_BASE, views.subscription_list, name="list"),
    path(_BASE + "new/", views.subscription_create, name="create"),
    path(_BASE + "<int:pk>/", views.subscription_detail, name="detail"),
    path(_BASE + "<int:pk>/rotate/", views.subscription_rotate, name="rotate"),
    path(_BASE + "<int:pk>/enable/", views.subscription_enable, name="enable"),
    path(_BASE + "<int:pk>/delete/", views.subscription_delete, name="delete"),
    path(
        _BASE + "<int:pk>/deliveries/<int:delivery_pk>/replay/",
        views.delivery_replay,
        name="replay",
    ),
]
