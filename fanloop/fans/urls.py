"""Fans URLs: the dashboard under ``/w/<ws>/fans/…`` and the fans' own portal at ``/me/…``."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.fans import portal, views

app_name = "fans"
urlpatterns: list[URLPattern] = [
    path("w/<slug:ws>/fans/", views.fan_list, name="fan_list"),
    path("w/<slug:ws>/fans/export.csv", views.export_email_csv, name="export_email_csv"),
    path("w/<slug:ws>/fans/presaves/", views.presaves, name="presaves"),
    path("w/<slug:ws>/fans/presaves.csv", views.presaves_csv, name="presaves_csv"),
    path("w/<slug:ws>/fans/reconnect/", views.expiring, name="expiring"),
    path("w/<slug:ws>/fans/<int:pk>/", views.fan_detail, name="fan_detail"),
    path("w/<slug:ws>/fans/<int:pk>/send-link/", views.fan_send_link, name="fan_send_link"),
    path("w/<slug:ws>/fans/<int:pk>/delete/", views.fan_delete, name="fan_delete"),
    path("me/<str:token>/", portal.home, name="portal"),
    path("me/<str:token>/export.json", portal.export, name="portal_export"),
    path("me/<str:token>/disconnect/<int:pk>/", portal.disconnect, name="portal_disconnect"),
    path("me/<str:token>/revoke/", portal.revoke, name="portal_revoke"),
    path("me/<str:token>/delete/", portal.delete, name="portal_delete"),
]
