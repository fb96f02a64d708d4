"""Insights pages: a release's funnel (``/w/<ws>/releases/<pk>/funnel/``) and the
leverage table (``/w/<ws>/insights/leverage/``), each with its CSV and JSON, and a report to
print or send per release and per artist."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.insights import audience_views, views

app_name = "insights"

urlpatterns: list[URLPattern] = [
    path("w/<slug:ws>/releases/<int:pk>/funnel/", views.funnel, name="funnel"),
    path("w/<slug:ws>/releases/<int:pk>/funnel.csv", views.funnel_csv, name="funnel_csv"),
    path("w/<slug:ws>/releases/<int:pk>/funnel.json", views.funnel_json, name="funnel_json"),
    path("w/<slug:ws>/releases/<int:pk>/report/", views.release_report, name="release_report"),
    path(
        "w/<slug:ws>/insights/artists/<int:artist_pk>/report/",
        views.artist_report,
        name="artist_report",
    ),
    path("w/<slug:ws>/insights/leverage/", views.leverage, name="leverage"),
    path(
        "w/<slug:ws>/insights/artists/<int:artist_pk>/audience/",
        audience_views.audience_page,
        name="audience",
    ),
    path(
        "w/<slug:ws>/insights/artists/<int:artist_pk>/audience.csv",
        audience_views.audience_csv,
        name="audience_csv",
    ),
    path(
        "w/<slug:ws>/insights/artists/<int:artist_pk>/forecast/",
        audience_views.forecast_page,
        name="forecast",
    ),
    path(
        "w/<slug:ws>/insights/artists/<int:artist_pk>/forecast.csv",
        audience_views.forecast_csv,
        name="forecast_csv",
    ),
    path("w/<slug:ws>/insights/score-weights/", views.score_weights, name="score_weights"),
    path("w/<slug:ws>/insights/leverage.csv", views.leverage_csv, name="leverage_csv"),
    path("w/<slug:ws>/insights/leverage.json", views.leverage_json, name="leverage_json"),
]
