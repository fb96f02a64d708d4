"""Public fan pages. Mounted last: /<artist>/<release> would shadow anything after it."""

from __future__ import annotations

from django.urls import path

from fanloop.campaigns import action_pages, apple, connect, inapp, notify, thanks, views

app_name = "campaigns"
urlpatterns = [
    path("r/<str:code>", views.short_link, name="short_link"),
    # The one-click action pages of flow emails (links from ``messaging.action_links``).
    path("a/<str:token>/", action_pages.action_page, name="action"),
    path("a/<str:token>/done", action_pages.action_done, name="action_done"),
    # The OAuth pre-save (part 1): before the broad /<artist>/<release> patterns.
    path("connect/<slug:platform>/start", connect.oauth_start, name="oauth_start"),
    path("connect/<slug:platform>/callback", connect.oauth_callback, name="oauth_callback"),
    # Capture pages of part 2 (notify-me, Apple Music, in-app browsers): before the broad
    # /<artist>/<release> patterns.
    path("e/confirm/<str:token>", notify.confirm, name="confirm_email"),
    path("connect/applemusic", apple.connect_page, name="apple_connect"),
    path("connect/applemusic/token", apple.token, name="apple_token"),
    path("connect/inapp/event", inapp.event, name="inapp_event"),
    path("connect/inapp/email", inapp.email_link, name="inapp_email"),
    path("<slug:artist_slug>/<slug:release_slug>/notify", notify.notify, name="notify"),
    # The artist page: one segment, so any route with a literal first segment wins (and
    # artist slugs may not take those: ``lib/reserved.py``).
    path("<slug:artist_slug>", views.artist_page, name="artist_page"),
    path("<slug:artist_slug>/<slug:release_slug>", views.release_page, name="release_page"),
    path(
        "<slug:artist_slug>/<slug:release_slug>/",
        views.release_page_slash,
        name="release_page_slash",
    ),
    path(
        "<slug:artist_slug>/<slug:release_slug>/in-app",
        views.in_app_presave,
        name="in_app_presave",
    ),
    path(
        "<slug:artist_slug>/<slug:release_slug>/listen/<slug:platform>",
        views.listen,
        name="listen",
    ),
    path("<slug:artist_slug>/<slug:release_slug>/thanks", thanks.thanks, name="thanks"),
    path("<slug:artist_slug>/<slug:release_slug>/calendar.ics", thanks.calendar, name="calendar"),
]
