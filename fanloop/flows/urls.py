"""Flows URLs: the editor under ``/w/<ws>/flows/…`` (the fans' one-click action pages the
flow emails link to are the campaigns' ``/a/<token>/``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.flows import broadcast_views, downloads, segment_views, views

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
    path("w/<slug:ws>/segments/", segment_views.segment_list, name="segment_list"),
    path("w/<slug:ws>/segments/new/", segment_views.segment_create, name="segment_create"),
    path("w/<slug:ws>/segments/<int:pk>/", segment_views.segment_detail, name="segment_detail"),
    path("w/<slug:ws>/segments/<int:pk>/edit/", segment_views.segment_edit, name="segment_edit"),
    path(
        "w/<slug:ws>/segments/<int:pk>/delete/",
        segment_views.segment_delete,
        name="segment_delete",
    ),
    path("w/<slug:ws>/segments/<int:pk>/fans.csv", segment_views.segment_csv, name="segment_csv"),
    path(
        "w/<slug:ws>/segments/<int:pk>/fans.json", segment_views.segment_json, name="segment_json"
    ),
    path("w/<slug:ws>/broadcasts/", broadcast_views.broadcast_list, name="broadcast_list"),
    path("w/<slug:ws>/broadcasts/new/", broadcast_views.broadcast_create, name="broadcast_create"),
    path(
        "w/<slug:ws>/broadcasts/<int:pk>/",
        broadcast_views.broadcast_detail,
        name="broadcast_detail",
    ),
    path(
        "w/<slug:ws>/broadcasts/<int:pk>/schedule/",
        broadcast_views.broadcast_schedule,
        name="broadcast_schedule",
    ),
    path(
        "w/<slug:ws>/broadcasts/<int:pk>/cancel/",
        broadcast_views.broadcast_cancel,
        name="broadcast_cancel",
    ),
    path(
        "w/<slug:ws>/broadcasts/<int:pk>/test/",
        broadcast_views.broadcast_test,
        name="broadcast_test",
    ),
]
