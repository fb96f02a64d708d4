"""Dashboard URLs for artists and releases (``/w/<ws>/…``), ``/`` and ``/media/…``."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.catalog import listen_views, media, views

app_name = "catalog"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("dashboard/", views.home, name="home_dashboard"),
    path("w/<slug:ws>/", views.dashboard, name="dashboard"),
    path("w/<slug:ws>/artists/", views.artist_list, name="artist_list"),
    path("w/<slug:ws>/artists/new/", views.artist_create, name="artist_create"),
    path("w/<slug:ws>/artists/<int:pk>/edit/", views.artist_edit, name="artist_edit"),
    path("w/<slug:ws>/artists/<int:pk>/delete/", views.artist_delete, name="artist_delete"),
    path("w/<slug:ws>/releases/new/", views.release_create, name="release_create"),
    path("w/<slug:ws>/releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("w/<slug:ws>/releases/<int:pk>/edit/", views.release_edit, name="release_edit"),
    path("w/<slug:ws>/releases/<int:pk>/publish/", views.release_publish, name="release_publish"),
    path(
        "w/<slug:ws>/releases/<int:pk>/unpublish/",
        views.release_unpublish,
        name="release_unpublish",
    ),
    path("w/<slug:ws>/releases/<int:pk>/delete/", views.release_delete, name="release_delete"),
    path("w/<slug:ws>/releases/<int:pk>/share/", views.release_share, name="release_share"),
    path(
        "w/<slug:ws>/releases/<int:pk>/listen-links/",
        listen_views.release_listen_links,
        name="release_listen_links",
    ),
    path(
        "w/<slug:ws>/releases/<int:pk>/share/qr.svg",
        views.release_share_qr,
        name="release_share_qr",
    ),
    path(
        "w/<slug:ws>/releases/<int:pk>/share/<slug:kind>.jpg",
        views.release_share_image,
        name="release_share_image",
    ),
    path(
        "w/<slug:ws>/releases/<int:pk>/share/counter/",
        views.release_presave_counter,
        name="release_presave_counter",
    ),
    path("w/<slug:ws>/uploads/kept/", views.kept_upload, name="kept_upload"),
    path("media/<path:path>", media.media, name="media"),
]
