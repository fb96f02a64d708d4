"""Flows URLs: the editor under ``/w/<ws>/flows/…`` (the fans' one-click action pages the
flow emails link to are the campaigns' ``/a/<token>/``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.flows import downloads, views

app_name = "flows"

urlpatterns: list[URLPattern] = [
    path("w/<slug:ws>/flows/", views.flow_list, name="flow_list"),
    path("w/<slug:ws>/fans/checks.csv", downloads.checks_csv, name="checks_csv"),
    path("w/<slug:ws>/flows/new/", views.flow_create, name="flow_create"),
    path("w/<slug:ws>/flows/score/", views.score_explained, name="score"),
    path("w/<slug:ws>/flows/<int:pk>/", views.flow_detail, name="flow_detail"),
    path("w/<slug:ws>/flows/<int:pk>/edit/", views.flow_edit, name="flow_edit"),
    path(
        "w/<slug:ws>/flows/<int:pk>/versions/<int:number>/",
        views.version_detail,
        name="version_detail",
    ),
    path("w/<slug:ws>/flows/<int:pk>/status/", views.flow_status, name="flow_status"),
    path("w/<slug:ws>/flows/<int:pk>/dry-run/", views.flow_dry_run, name="flow_dry_run"),
]
