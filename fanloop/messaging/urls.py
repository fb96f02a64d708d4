"""Email URLs: the dashboard under ``/w/<ws>/email/…``; fans' links under reserved first
segments (``u``, ``e``, ``webhooks``) so they never shadow an /<artist>/<release> page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from fanloop.messaging import views
from fanloop.messaging.webhooks import anymail_patterns

app_name = "messaging"
urlpatterns: list[URLPattern | URLResolver] = [
    path("w/<slug:ws>/email/", views.template_list, name="template_list"),
    path("w/<slug:ws>/email/new/", views.template_create, name="template_create"),
    path("w/<slug:ws>/email/<int:pk>/", views.template_preview, name="template_preview"),
    path("w/<slug:ws>/email/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("w/<slug:ws>/email/<int:pk>/test/", views.template_test_send, name="template_test_send"),
    path("w/<slug:ws>/email/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("w/<slug:ws>/email/outbox/", views.outbox, name="outbox"),
    path("w/<slug:ws>/email/rules/", views.sending_rules, name="sending_rules"),
    path("w/<slug:ws>/email/suppressions/", views.suppressions, name="suppressions"),
    path("w/<slug:ws>/email/suppressions/add/", views.suppression_add, name="suppression_add"),
    path(
        "w/<slug:ws>/email/suppressions/<int:pk>/remove/",
        views.suppression_remove,
        name="suppression_remove",
    ),
    path("w/<slug:ws>/email/sink/", views.sink_list, name="sink_list"),
    path("w/<slug:ws>/email/sink/<str:name>/", views.sink_message, name="sink_message"),
    path("u/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("e/c/<str:token>", views.click, name="click"),
    path("e/o/<str:token>.gif", views.open_pixel, name="open"),
    path("e/test/<slug:what>", views.test_link, name="test_link"),
    path("webhooks/anymail/", include((anymail_patterns(), "anymail"))),
]
